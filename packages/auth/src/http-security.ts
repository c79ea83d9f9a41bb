import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { type ErrorBody, flatErrorBody } from './fastify-auth.ts';

/** CSP of a JSON API: nothing may be loaded, framed or submitted from its answers. */
const API_CSP = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/**
 * Security headers on every answer of `app` (helmet: CSP, HSTS, nosniff, frame and referrer
 * policies, same-origin resource and opener policies). No CORS is offered: no route answers a
 * preflight, so a page of another origin can neither read an answer nor send the Authorization
 * header. Register it before the routes. A page that loads scripts (the dashboard) sets its own CSP.
 */
export function secureHeaders(app: FastifyInstance): void {
  void app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    // The APIs are reached over a private network as often as over TLS; HSTS does no harm on https.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    frameguard: { action: 'deny' },
  });
}

/**
 * Writes (anything but GET/HEAD) must be `application/json` (415 otherwise): a cross-origin HTML
 * form or `fetch` can send `text/plain`, `multipart/form-data` or `application/x-www-form-urlencoded`
 * without a preflight, never `application/json`.
 */
export function requireJson(scope: FastifyInstance, errorBody: ErrorBody = flatErrorBody): void {
  scope.addHook('onRequest', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type === 'application/json') return;
    return reply
      .code(415)
      .send(
        errorBody('PRV_BAD_REQUEST', `Content-Type must be application/json (got ${type ? `'${type}'` : 'none'}).`),
      );
  });
}

export interface RateLimitSettings {
  /** Requests allowed per window and key (the client address unless `key` says otherwise). */
  readonly max: number;
  readonly windowMs: number;
}

/**
 * Limits every route of `scope` (a plugin scope) to `max` requests per window per client address;
 * over it, 429 with `Retry-After`. Kept in this process's memory: each replica counts its own.
 */
export async function limitRate(scope: FastifyInstance, settings: RateLimitSettings): Promise<void> {
  await scope.register(rateLimit, {
    global: true,
    max: settings.max,
    timeWindow: settings.windowMs,
    // Thrown, so the service's own error handler shapes the 429 like its other client errors.
    errorResponseBuilder: (_request, context) =>
      Object.assign(
        new Error(
          `Too many requests: at most ${context.max} per ${context.after}; retry in ${Math.ceil(context.ttl / 1000)} s.`,
        ),
        { statusCode: 429 },
      ),
  });
}
