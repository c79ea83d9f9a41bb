import type { FastifyInstance } from 'fastify';
import { protect } from './fastify-auth.ts';
import { limitRate, requireJson } from './http-security.ts';
import type { Role } from './roles.ts';
import type { TokenVerifier } from './verifier.ts';

export interface ApiRoutesOptions {
  readonly verifier: TokenVerifier;
  /** The app role every route of the group requires (`Provision.Operate` implies `Provision.Read`). */
  readonly role: Role;
  /** Writes must be `application/json` (415 otherwise): set for any group with POST routes. */
  readonly json?: boolean;
  /** Requests per minute per client address (429 with Retry-After over it); unset: no limit. */
  readonly perMinute?: number;
  /** Told of every refusal (401, 403, 503) with a `warn` line "API request refused"; never sees the token. */
  readonly log?: { warn(fields: object, message?: string): void };
}

/**
 * A group of API routes behind the same door, the preamble every service's routes share: a valid
 * Entra bearer token with `role` (`protect`), JSON-only writes, an optional rate limit, in that
 * order (so an anonymous caller costs neither parsing nor a rate-limit slot). `routes` adds the
 * routes to the group's fastify scope; routes outside it (health, metrics, webhooks) stay open.
 */
export function apiRoutes(
  app: FastifyInstance,
  options: ApiRoutesOptions,
  routes: (scope: FastifyInstance) => void | Promise<void>,
): void {
  const { log } = options;
  void app.register(async (scope) => {
    protect(scope, {
      verifier: options.verifier,
      role: options.role,
      ...(log
        ? { onRefused: (e) => log.warn({ status: e.status, url: e.url, reason: e.reason }, 'API request refused') }
        : {}),
    });
    if (options.json) requireJson(scope);
    if (options.perMinute !== undefined) await limitRate(scope, { max: options.perMinute, windowMs: 60_000 });
    await routes(scope);
  });
}
