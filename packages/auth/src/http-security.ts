import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './http-errors.ts';

/** CSP of a JSON API: nothing may be loaded, framed or submitted from its answers. */
const API_CSP = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/**
 * The headers helmet sets on an API answer (as configured below), for the answers it never sees.
 * A test compares them with helmet's, so the two cannot drift apart.
 */
export const EARLY_ANSWER_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': Object.entries(API_CSP)
    .map(([name, values]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(' ')}`)
    .join(';'),
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
});

/**
 * Security headers on every answer of `app` (helmet: CSP, HSTS, nosniff, frame and referrer
 * policies, same-origin resource and opener policies). No CORS is offered: no route answers a
 * preflight, so a page of another origin can neither read an answer nor send the Authorization
 * header. Register it before the routes. A page that loads scripts (the dashboard) sets its own CSP.
 *
 * Answers given before any hook runs carry them too: fastify's 400 for a URL it cannot decode and
 * 414 for a parameter over `maxParamLength`, and Node's refusals of a request it cannot parse
 * (431 for a head over 16 KiB, 400, 408), which also say `Connection: close`.
 */
export function secureHeaders(app: FastifyInstance): void {
  void app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    // The APIs are reached over a private network as often as over TLS; HSTS does no harm on https.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    frameguard: { action: 'deny' },
  });
  // fastify's early answers write the raw response themselves; `writeHead` merges what was set on
  // it before, and the headers of a routed answer (helmet's, a page's own CSP) replace these.
  app.server.prependListener('request', (_request, response) => {
    for (const [name, value] of Object.entries(EARLY_ANSWER_HEADERS)) response.setHeader(name, value);
  });
  // Before fastify's own handler, which then finds the socket closed and does nothing.
  app.server.prependListener('clientError', refuseUnparsed);
}

/** Answers a request Node could not parse, as fastify would, with the security headers, and closes. */
function refuseUnparsed(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Exceeded maximum allowed HTTP header size']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Client Timeout']
        : [400, 'Client Error'];
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: STATUS_CODES[status], message, statusCode: status });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    ...Object.entries(EARLY_ANSWER_HEADERS).map(([name, value]) => `${name}: ${value}`),
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    // The parser is gone: say so, or a keep-alive client sends its next request on a dead socket.
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
  // A client that reads nothing never lets the answer finish: it is cut off all the same.
  setTimeout(() => socket.destroy(), 10_000).unref();
}

/**
 * Writes (anything but GET/HEAD) must be `application/json` (415 otherwise): a cross-origin HTML
 * form or `fetch` can send `text/plain`, `multipart/form-data` or `application/x-www-form-urlencoded`
 * without a preflight, never `application/json`.
 */
export function requireJson(scope: FastifyInstance): void {
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
