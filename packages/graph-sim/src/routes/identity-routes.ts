import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TokenService } from '../auth.ts';
import { graphErrors } from '../graph-error.ts';
import type { AadError, AuthorizeRequest, IdentityProvider } from '../identity.ts';
import { jsonObject } from './context.ts';

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.4rem 0}input{padding:.4rem}button{padding:.5rem;cursor:pointer}.error{color:#a00}.note{color:#555;font-size:.9em}';
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');
// The login page runs no script and posts only to itself, which then redirects to the client's
// redirect URI (form-action covers that redirect too, so its origin is allowed).
const pageCsp = (redirectOrigin?: string) =>
  `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'${redirectOrigin ? ` ${redirectOrigin}` : ''}; frame-ancestors 'none'; base-uri 'none'`;

const AUTHORIZE_PARAMS = [
  'client_id',
  'response_type',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'response_mode',
  'login_hint',
  'prompt',
];

/**
 * Entra ID's endpoints for signing in to Provision: the tenant's keys, `/authorize` with the dev
 * login page (username and password of a seeded user), and CORS on the token endpoint for the
 * dashboard's SPA redirect URIs (Entra answers cross-origin token requests for SPA registrations).
 */
export function registerIdentityRoutes(app: FastifyInstance, tokens: TokenService, identity: IdentityProvider): void {
  const tenantOk = (tenant: string) => tenant.toLowerCase() === identity.tenantId;

  app.get('/:tenant/discovery/v2.0/keys', async (request, reply) => {
    const { tenant } = request.params as { tenant: string };
    if (!tenantOk(tenant)) return reply.code(400).send(tokens.error(unknownTenant(tenant)).body);
    return reply.header('access-control-allow-origin', '*').send(tokens.keys());
  });
  // v1 clients read the same keys at the tenant-less path.
  app.get('/common/discovery/keys', async (_request, reply) =>
    reply.header('access-control-allow-origin', '*').send(tokens.keys()),
  );

  app.get('/:tenant/oauth2/v2.0/authorize', async (request, reply) => {
    const { tenant } = request.params as { tenant: string };
    const params = new URLSearchParams(request.query as Record<string, string>);
    return authorize(reply, tenant, params, undefined);
  });

  app.post('/:tenant/oauth2/v2.0/authorize', async (request, reply) => {
    const { tenant } = request.params as { tenant: string };
    const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
    return authorize(reply, tenant, form, {
      username: form.get('username') ?? '',
      password: form.get('password') ?? '',
    });
  });

  const authorize = (
    reply: FastifyReply,
    tenant: string,
    params: URLSearchParams,
    credentials: { username: string; password: string } | undefined,
  ) => {
    if (!tenantOk(tenant)) return page(reply, errorPage(tokens, unknownTenant(tenant)), 400);
    const checked = identity.checkAuthorize(params);
    if ('page' in checked) return page(reply, errorPage(tokens, checked.page), checked.page.status);
    if ('redirect' in checked) {
      const e = tokens.error(checked.redirect).body;
      return reply.redirect(
        withQuery(checked.to, {
          error: e.error,
          error_description: e.error_description,
          ...(checked.state === null ? {} : { state: checked.state }),
        }),
        302,
      );
    }
    const back = new URL(checked.ok.redirectUri).origin;
    if (!credentials) return page(reply, loginPage(identity, params, checked.ok, undefined), 200, back);
    const result = identity.signIn(checked.ok, credentials.username, credentials.password);
    if ('retry' in result) {
      const why = tokens.error(result.retry).body.error_description;
      return page(reply, loginPage(identity, params, checked.ok, why, credentials.username), 200, back);
    }
    return reply.redirect(
      withQuery(checked.ok.redirectUri, {
        code: result.code,
        ...(checked.ok.state === null ? {} : { state: checked.ok.state }),
      }),
      302,
    );
  };

  // Admin: the sign-in setup (unauthenticated, like the rest of `/__admin`: a local sandbox).
  app.get('/__admin/identity', async () => ({
    api: { ...identity.api, redirectUris: [...identity.api.redirectUris] },
    users: identity.users,
    clients: [...identity.clients.values()],
  }));
  app.post('/__admin/identity/redirect-uris', async (request, reply) => {
    const uri = jsonObject(request.body ?? {})['uri'];
    if (typeof uri !== 'string') throw graphErrors.badRequest('uri must be a string.');
    try {
      identity.addRedirectUri(uri);
    } catch (error) {
      throw graphErrors.badRequest((error as Error).message);
    }
    return reply.code(204).send();
  });
  app.post('/__admin/identity/clients', async (request, reply) => {
    const input = jsonObject(request.body ?? {});
    const roles = input['roles'];
    if (
      typeof input['displayName'] !== 'string' ||
      !Array.isArray(roles) ||
      !roles.every((r) => typeof r === 'string')
    ) {
      throw graphErrors.badRequest('displayName (string) and roles (array of strings) are required.');
    }
    reply.code(201);
    return identity.addClient({ displayName: input['displayName'], roles });
  });

  // The token endpoint answers the dashboard's cross-origin request when its origin is one of the
  // SPA redirect URIs' (the form POST is a CORS-simple request: no preflight).
  app.addHook('onSend', async (request, reply, payload) => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || !/\/oauth2\/v2\.0\/token$/.test(request.url.split('?')[0] ?? '')) return payload;
    if ([...identity.api.redirectUris].some((uri) => new URL(uri).origin === origin)) {
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    }
    return payload;
  });
}

function unknownTenant(tenant: string): AadError {
  return {
    status: 400,
    error: 'invalid_tenant',
    code: 90002,
    description: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  };
}

function page(reply: FastifyReply, html: string, status: number, redirectOrigin?: string) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', pageCsp(redirectOrigin))
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-store')
    .send(html);
}

function withQuery(uri: string, params: Record<string, string>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

const html = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function shell(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${html(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function errorPage(tokens: TokenService, e: AadError): string {
  const body = tokens.error(e).body;
  return shell(
    'Sign in - error',
    `<h1>Sorry, but we're having trouble signing you in.</h1><p class="error" id="error">${html(body.error_description)}</p>`,
  );
}

function loginPage(
  identity: IdentityProvider,
  params: URLSearchParams,
  request: AuthorizeRequest,
  error: string | undefined,
  username?: string,
): string {
  const hidden = AUTHORIZE_PARAMS.filter((p) => params.get(p) !== null)
    .map((p) => `<input type="hidden" name="${p}" value="${html(params.get(p)!)}">`)
    .join('');
  // A failed attempt keeps the username typed (the password is never echoed).
  const hint = username ?? params.get('login_hint') ?? '';
  return shell(
    'Sign in to Provision',
    `<h1>Sign in</h1><p>to <strong>${html(identity.api.displayName)}</strong> (${html(new URL(request.redirectUri).origin)})</p>
${error ? `<p class="error" id="error">${html(error)}</p>` : ''}
<form method="post" autocomplete="off">${hidden}
<label for="username">Username</label><input id="username" name="username" type="email" required value="${html(hint)}">
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button id="sign-in" type="submit">Sign in</button></form>
<p class="note">graph-sim's dev login: a simulated tenant, not Entra ID. The demo prints the users and their password.</p>`,
  );
}
