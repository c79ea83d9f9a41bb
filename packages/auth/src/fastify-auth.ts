import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Caller, describeCaller } from './caller.ts';
import { errorBody } from './http-errors.ts';
import { type Role, rolesGranting } from './roles.ts';
import { TokenRejected, type TokenVerifier } from './verifier.ts';

export type AuthErrorCode = 'PRV_UNAUTHENTICATED' | 'PRV_FORBIDDEN' | 'PRV_AUTH_UNAVAILABLE';

export interface ProtectOptions {
  readonly verifier: TokenVerifier;
  /** The app role every route of the scope requires (`Provision.Operate` implies `Provision.Read`). */
  readonly role: Role;
  /** Only the requests this accepts are checked (default: all of the scope's). */
  readonly when?: (request: FastifyRequest) => boolean;
  /** Told about every refusal (for a log line); never sees the token. */
  readonly onRefused?: (event: { status: number; reason: string; caller?: Caller; url: string }) => void;
}

const callers = new WeakMap<FastifyRequest, Caller>();
const REALM = 'Provision';

/** The caller of a request in a protected scope (throws elsewhere: a route that forgot `protect`). */
export function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (!caller)
    throw new Error(`no authenticated caller for ${request.method} ${request.url}: the route is not protected`);
  return caller;
}

/**
 * Who acted, as commands, results and the provisioning log record it (`Initiator` of
 * `@provision/events`): the caller of a request in a protected scope.
 */
export function initiatorOf(request: FastifyRequest): { kind: 'user' | 'app'; id: string; name: string } {
  const caller = callerOf(request);
  return { kind: caller.kind, id: caller.id, name: describeCaller(caller) };
}

/** Whether a request is for a path under `prefix` (its route's pattern, or its URL when no route matched). */
export function underPath(prefix: string): (request: FastifyRequest) => boolean {
  return (request) => (request.routeOptions.url ?? request.url).startsWith(prefix);
}

/**
 * Protects every route of `scope` (a fastify plugin scope, so routes outside it — health, metrics,
 * the Graph webhook — stay open): a valid Entra bearer token is required (401 with
 * `WWW-Authenticate: Bearer error="invalid_token"` otherwise), then the role (403 naming it). The
 * check runs `onRequest`, before the body is read, so an anonymous caller costs no parsing.
 */
export function protect(scope: FastifyInstance, options: ProtectOptions): void {
  const accepted = rolesGranting(options.role);
  scope.addHook('onRequest', async (request, reply) => {
    if (options.when && !options.when(request)) return;
    const refuse = (status: number, code: AuthErrorCode, message: string, challenge: string, caller?: Caller) => {
      options.onRefused?.({
        status,
        reason: message,
        url: request.url.split('?')[0] ?? '',
        ...(caller ? { caller } : {}),
      });
      if (challenge) void reply.header('www-authenticate', challenge);
      return reply
        .code(status)
        .header('cache-control', 'no-store')
        .send(errorBody(code, message, { retriable: code === 'PRV_AUTH_UNAVAILABLE' }));
    };
    const token = bearerToken(request.headers.authorization);
    if (token === 'malformed') {
      return refuse(
        401,
        'PRV_UNAUTHENTICATED',
        'Invalid access token: The Authorization header is not Bearer <token>.',
        `Bearer realm="${REALM}", error="invalid_token", error_description="The Authorization header is not Bearer <token>."`,
      );
    }
    if (token === undefined) {
      // RFC 6750 §3.1: a request without credentials gets the challenge but no error code.
      return refuse(
        401,
        'PRV_UNAUTHENTICATED',
        'Sign-in required: send an Entra ID access token for the Provision API as "Authorization: Bearer <token>".',
        `Bearer realm="${REALM}"`,
      );
    }
    let caller: Caller;
    try {
      caller = await options.verifier.verify(token);
    } catch (error) {
      if (error instanceof TokenRejected && error.status === 401) {
        return refuse(
          401,
          'PRV_UNAUTHENTICATED',
          `Invalid access token: ${error.message}`,
          `Bearer realm="${REALM}", error="invalid_token", error_description="${quoted(error.message)}"`,
        );
      }
      request.log.error({ err: error }, 'access tokens cannot be checked');
      return refuse(503, 'PRV_AUTH_UNAVAILABLE', (error as Error).message, '');
    }
    if (!caller.roles.some((r) => accepted.includes(r as Role))) {
      const message = `The app role ${options.role} is required for ${request.method} ${request.url.split('?')[0]}; the token grants ${caller.roles.length > 0 ? caller.roles.join(', ') : 'no app role'}. An admin assigns it in the Provision app registration (Enterprise applications > Users and groups).`;
      return refuse(
        403,
        'PRV_FORBIDDEN',
        message,
        `Bearer realm="${REALM}", error="insufficient_scope", error_description="${quoted(`The app role ${options.role} is required.`)}"`,
        caller,
      );
    }
    callers.set(request, caller);
  });
}

/**
 * The token of an `Authorization: Bearer …` header (RFC 6750 syntax); `malformed` for a Bearer
 * header that is not one; undefined when there is no Bearer header at all.
 */
export function bearerToken(header: string | undefined): string | 'malformed' | undefined {
  if (!header || !/^Bearer(\s|$)/i.test(header)) return undefined;
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  return match?.[1] ?? 'malformed';
}

function quoted(text: string): string {
  // RFC 6750 allows %x20-21 / %x23-5B / %x5D-7E in error_description: no quote, no backslash.
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, ' ');
}
