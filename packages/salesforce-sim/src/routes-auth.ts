import { createPublicKey, timingSafeEqual, verify } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Org, Registry } from './org.ts';
import { userHasPermission } from './seed.ts';
import { elementText, loginResponse, logoutResponse, soapCall, soapFault } from './soap.ts';
import type { SimState } from './state.ts';

/** SOAP login() is served up to API 64.0: it is not available in 65.0 and later (reference §5.7). */
export const MAX_SOAP_LOGIN_VERSION = 64;
const PRODUCTION_AUDIENCE = 'https://login.salesforce.com';
const SANDBOX_AUDIENCE = 'https://test.salesforce.com';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The origin a client reached us at, used for serverUrl, instance_url and identity URLs. */
export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

function sendFault(reply: FastifyReply, code: string, message: string, faultType = 'LoginFault') {
  return reply
    .code(500)
    .type('text/xml; charset=utf-8')
    .send(soapFault(code, message, faultType));
}

function equalSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Why a user may not use the API, as Salesforce reports it, or undefined when it may. */
export function apiAccessProblem(org: Org, userId: string): { code: string; message: string } | undefined {
  if (!org.apiEnabled)
    return { code: 'API_DISABLED_FOR_ORG', message: 'API is not enabled for this Organization or Partner' };
  if (!userHasPermission(org, userId, 'PermissionsApiEnabled')) {
    return { code: 'API_CURRENTLY_DISABLED', message: 'API is disabled for this User' };
  }
  return undefined;
}

function loginUser(registry: Registry, username: string) {
  const holder = registry.usernames.get(username.trim().toLowerCase());
  if (!holder) return undefined;
  const user = holder.org.users.get(holder.userId);
  if (user?.['IsActive'] !== true || holder.org.frozen.has(holder.userId)) return undefined;
  return { org: holder.org, user, userId: holder.userId };
}

function tokenResponse(request: FastifyRequest, state: SimState, org: Org, userId: string) {
  const session = state.registry.openSession(org, userId);
  const origin = originOf(request);
  return {
    access_token: session.token,
    scope: 'api',
    instance_url: origin,
    id: `${origin}/id/${org.id}/${userId}`,
    token_type: 'Bearer',
    issued_at: String(Date.now()),
  };
}

function oauthError(reply: FastifyReply, error: string, description: string, status = 400) {
  return reply.code(status).send({ error, error_description: description });
}

function decodeSegment(segment: string | undefined): Record<string, unknown> | undefined {
  if (!segment) return undefined;
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Registers SOAP login()/logout(), the OAuth 2.0 token endpoint and the identity URL. */
export function registerAuthRoutes(app: FastifyInstance, state: SimState): void {
  const registry = state.registry;

  app.post('/services/Soap/u/:version', async (request, reply) => soapHandler(request, reply));
  app.post('/services/Soap/u/:version/:orgId', async (request, reply) => soapHandler(request, reply));

  const soapHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const version = (request.params as { version: string }).version;
    const body = typeof request.body === 'string' ? request.body : '';
    const call = soapCall(body);
    const major = Number.parseFloat(version);
    if (!/^\d+\.0$/.test(version) || major < 31 || (call === 'login' && major > MAX_SOAP_LOGIN_VERSION)) {
      return sendFault(
        reply,
        'UNSUPPORTED_API_VERSION',
        'Invalid Api version specified on URL',
        'UnexpectedErrorFault',
      );
    }
    if (call === 'logout') {
      const token = elementText(body, 'sessionId');
      if (!token || !registry.session(token)) {
        return sendFault(
          reply,
          'INVALID_SESSION_ID',
          'Invalid Session ID found in SessionHeader: Illegal Session',
          'UnexpectedErrorFault',
        );
      }
      registry.sessions.delete(token);
      return reply.type('text/xml; charset=utf-8').send(logoutResponse());
    }
    if (call !== 'login') {
      return sendFault(
        reply,
        'INVALID_OPERATION',
        `The simulator serves login() and logout() only, not ${call ?? 'this request'}`,
        'UnexpectedErrorFault',
      );
    }
    const username = elementText(body, 'username') ?? '';
    const password = elementText(body, 'password') ?? '';
    const found = loginUser(registry, username);
    const credentials = found ? found.org.credentials.get(found.userId) : undefined;
    if (!found || !credentials) {
      return sendFault(reply, 'INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.');
    }
    if (!equalSecret(password, credentials.password + credentials.securityToken)) {
      // The right password without the token, from an IP outside the trusted ranges (reference §5.6).
      if (equalSecret(password, credentials.password)) {
        return sendFault(
          reply,
          'LOGIN_MUST_USE_SECURITY_TOKEN',
          'Invalid username, password, security token; or user locked out. Are you at a new location? When accessing ' +
            'Salesforce--either via a desktop client or the API--from outside of your company’s trusted networks, you must ' +
            'add a security token to your password to log in. To get your new security token, log in to Salesforce. From ' +
            'your personal settings, enter Reset My Security Token in the Quick Find box, then select Reset My Security Token.',
        );
      }
      return sendFault(reply, 'INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.');
    }
    const problem = apiAccessProblem(found.org, found.userId);
    if (problem) return sendFault(reply, problem.code, problem.message);
    const session = registry.openSession(found.org, found.userId);
    return reply.type('text/xml; charset=utf-8').send(
      loginResponse({
        baseUrl: originOf(request),
        version,
        orgId: found.org.id,
        orgName: found.org.name,
        sessionId: session.token,
        sandbox: found.org.isSandbox,
        sessionSecondsValid: found.org.settings.sessionSeconds,
        user: found.user,
      }),
    );
  };

  app.post('/services/oauth2/token', async (request, reply) => {
    const params = (request.body ?? {}) as Record<string, string | undefined>;
    const basic = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '');
    let clientId = params['client_id'];
    let clientSecret = params['client_secret'];
    if (basic) {
      const [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      clientId ??= id;
      clientSecret ??= secret;
    }
    switch (params['grant_type']) {
      case JWT_BEARER:
        return jwtBearer(request, reply, params['assertion']);
      case 'client_credentials': {
        const entry = clientId ? registry.apps.get(clientId) : undefined;
        if (!entry) return oauthError(reply, 'invalid_client_id', 'client identifier invalid');
        if (!clientSecret || !equalSecret(clientSecret, entry.app.clientSecret)) {
          return oauthError(reply, 'invalid_client', 'invalid client credentials');
        }
        const runAs = entry.app.runAsUserId;
        const user = runAs ? entry.org.users.get(runAs) : undefined;
        if (!runAs || !user || user['IsActive'] !== true) {
          return oauthError(reply, 'invalid_grant', 'no client credentials user enabled');
        }
        return tokenResponse(request, state, entry.org, runAs);
      }
      case 'password': {
        const entry = clientId ? registry.apps.get(clientId) : undefined;
        if (!entry) return oauthError(reply, 'invalid_client_id', 'client identifier invalid');
        if (!clientSecret || !equalSecret(clientSecret, entry.app.clientSecret)) {
          return oauthError(reply, 'invalid_client', 'invalid client credentials');
        }
        const found = loginUser(registry, params['username'] ?? '');
        const credentials = found?.org === entry.org ? found.org.credentials.get(found.userId) : undefined;
        if (!found || !credentials || params['password'] !== credentials.password + credentials.securityToken) {
          return oauthError(reply, 'invalid_grant', 'authentication failure');
        }
        return tokenResponse(request, state, found.org, found.userId);
      }
      default:
        return oauthError(reply, 'unsupported_grant_type', 'grant type not supported');
    }
  });

  const jwtBearer = (request: FastifyRequest, reply: FastifyReply, assertion: string | undefined) => {
    const parts = (assertion ?? '').split('.');
    const header = decodeSegment(parts[0]);
    const claims = decodeSegment(parts[1]);
    if (parts.length !== 3 || !header || !claims) return oauthError(reply, 'invalid_grant', 'invalid assertion');
    const entry = typeof claims['iss'] === 'string' ? registry.apps.get(claims['iss']) : undefined;
    if (!entry) return oauthError(reply, 'invalid_client_id', 'client identifier invalid');
    const signatureOk =
      header['alg'] === 'RS256' &&
      verify(
        'RSA-SHA256',
        Buffer.from(`${parts[0]}.${parts[1]}`),
        createPublicKey(entry.app.certificate),
        Buffer.from(parts[2]!, 'base64url'),
      );
    if (!signatureOk) return oauthError(reply, 'invalid_grant', 'invalid assertion');
    const audiences = new Set([originOf(request), entry.org.isSandbox ? SANDBOX_AUDIENCE : PRODUCTION_AUDIENCE]);
    const aud = Array.isArray(claims['aud']) ? claims['aud'] : [claims['aud']];
    if (!aud.some((a) => typeof a === 'string' && audiences.has(a.replace(/\/$/, '')))) {
      return oauthError(reply, 'invalid_grant', 'audience is invalid');
    }
    if (typeof claims['exp'] !== 'number' || claims['exp'] * 1000 <= Date.now()) {
      return oauthError(reply, 'invalid_grant', 'expired authorization code');
    }
    const subject =
      typeof claims['sub'] === 'string' ? claims['sub'] : typeof claims['prn'] === 'string' ? claims['prn'] : '';
    const found = loginUser(registry, subject);
    if (!found || found.org !== entry.org)
      return oauthError(reply, 'invalid_grant', "user hasn't approved this consumer");
    return tokenResponse(request, state, found.org, found.userId);
  };

  app.post('/services/oauth2/revoke', async (request, reply) => {
    const token = ((request.body ?? {}) as Record<string, string | undefined>)['token'];
    if (token) registry.sessions.delete(token);
    return reply.code(200).send('');
  });

  app.get('/id/:orgId/:userId', async (request, reply) => {
    const token = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const session = token ? registry.session(token) : undefined;
    if (!session) return reply.code(403).send('Bad_OAuth_Token');
    const { orgId, userId } = request.params as { orgId: string; userId: string };
    const user = session.org.id === orgId ? session.org.users.get(userId) : undefined;
    if (!user)
      return reply.code(404).send([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    const origin = originOf(request);
    return {
      id: `${origin}/id/${orgId}/${userId}`,
      user_id: userId,
      organization_id: orgId,
      username: user['Username'],
      display_name: user['Name'],
      email: user['Email'],
      active: user['IsActive'],
      user_type: user['UserType'],
      language: user['LanguageLocaleKey'],
      locale: user['LocaleSidKey'],
      timezone: user['TimeZoneSidKey'],
      urls: { rest: `${origin}/services/data/v{version}/`, query: `${origin}/services/data/v{version}/query/` },
    };
  });
}
