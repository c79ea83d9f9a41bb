import type { ServiceName } from '@provision/demo';
import fc from 'fast-check';
import { hostileString } from './bodies.ts';
import type { Answer, HostileRequest } from './http-client.ts';
import type { AuthCase } from './tokens.ts';

/** The answers a request may get, and what else an answer must show. */
export interface Expectation {
  readonly statuses: readonly number[];
  /** More checks of the answer; returns what is wrong, or undefined. */
  readonly check?: (answer: Answer) => string | undefined;
}

/** A generated request, what it is, and what the service must answer. */
export interface Generated {
  readonly label: string;
  readonly request: HostileRequest;
  readonly expect: Expectation;
  /** Counted by the route's rate limiter (so the run can stay under it per source address). */
  readonly rateCounted?: boolean;
  /** Notification items a 202 answer stands for, by how the webhook must count them. */
  readonly notifications?: { readonly rejected: number; readonly unknown: number; readonly accepted: number };
}

/** A public route of a service and its generated requests. */
export interface RouteSpec {
  readonly service: ServiceName;
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<Generated>;
  /** Requests per source address the route's rate limit allows in a run (undefined: no limit). */
  readonly perSource?: number;
}

/** What the suite knows of the running pipeline when it generates. */
export interface SuiteContext {
  readonly auth: readonly AuthCase[];
  readonly tenantId: string;
  readonly clientState: string;
  readonly subscriptionIds: readonly string[];
}

const preview = (body: Buffer) => {
  const text = body.toString('utf8');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
};

/** What is wrong with an answer to a generated request, or undefined. */
export function judge(g: Generated, answer: Answer): string | undefined {
  const { status } = answer;
  if (status === -1) return `could not be sent (a bad generator): ${answer.error}`;
  if (status === 0) return `no answer: ${answer.error}`;
  if (status >= 500) return `${status}: ${preview(answer.body)}`;
  if (!g.expect.statuses.includes(status))
    return `expected ${g.expect.statuses.join(' or ')}, got ${status}: ${preview(answer.body)}`;
  // Every answer, fastify's early ones too (400 FST_ERR_BAD_URL, 414 for a parameter over its
  // length: given before any hook runs; packages/auth's secureHeaders sets them on the raw response).
  if (answer.headers['x-content-type-options'] !== 'nosniff')
    return `${status} without x-content-type-options: nosniff`;
  if (status >= 400) {
    const type = String(answer.headers['content-type'] ?? '');
    if (!type.startsWith('application/json')) return `${status} with content-type '${type}': ${preview(answer.body)}`;
    let body: { message?: unknown; error?: unknown; statusCode?: unknown };
    try {
      body = JSON.parse(answer.body.toString('utf8'));
    } catch {
      return `${status} with a body that is not JSON: ${preview(answer.body)}`;
    }
    // Every service answers errors in one shape, `{ error: { code, message, retriable, details } }`.
    const error = body.error as { code?: unknown; message?: unknown; retriable?: unknown } | string | undefined;
    const ours =
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      typeof error.message === 'string' &&
      typeof error.retriable === 'boolean';
    // Except the HTTP layer's own answers, given before any of our code runs (fastify's 400 for a URL
    // it cannot decode and 414 for a parameter over its length; Node's 431, 408 and 400):
    // `{ error: '<status text>', message, statusCode }`.
    const early = typeof error === 'string' && typeof body.message === 'string' && body.statusCode === status;
    if (!ours && !early)
      return `${status} error answer not in the shape { error: { code, message } }: ${preview(answer.body)}`;
  }
  const challenge = String(answer.headers['www-authenticate'] ?? '');
  if (status === 401 && !challenge.startsWith('Bearer realm="Provision"'))
    return `401 without a Bearer challenge (www-authenticate: '${challenge}')`;
  if (status === 403 && !challenge.includes('error="insufficient_scope"'))
    return `403 without insufficient_scope (www-authenticate: '${challenge}')`;
  if (status === 429 && answer.headers['retry-after'] === undefined) return '429 without retry-after';
  return g.expect.check?.(answer);
}

/** The status the sign-in check gives a credential on a route needing `role`, or undefined when it passes. */
export function authGate(auth: AuthCase, role: 'read' | 'operate'): 401 | 403 | undefined {
  const c = auth.credential;
  if (c.kind !== 'valid') return 401;
  if (c.grant === 'none' || (role === 'operate' && c.grant === 'read')) return 403;
  return undefined;
}

/** A credential from the catalogue: half of the time one that passes for `role`, so the route's own checks are reached. */
export function authArbitrary(ctx: SuiteContext, role: 'read' | 'operate' | 'open'): fc.Arbitrary<AuthCase> {
  const passing = ctx.auth.filter((a) => role !== 'open' && authGate(a, role) === undefined);
  const all = fc.constantFrom(...ctx.auth);
  return passing.length === 0 ? all : fc.oneof(all, fc.constantFrom(...passing));
}

/** Headers that change nothing for a sound service: cross-origin, proxy and override headers. */
export const noiseHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.constantFrom(
    'origin',
    'referer',
    'cookie',
    'x-forwarded-for',
    'x-real-ip',
    'x-forwarded-host',
    'x-http-method-override',
    'x-original-url',
    'x-rewrite-url',
    'accept',
    'sec-fetch-site',
  ),
  fc.oneof(
    fc.constantFrom(
      'http://127.0.0.1:1',
      'null',
      '127.0.0.1',
      '10.0.0.1, 127.0.0.1',
      'DELETE',
      '/api/sync-status',
      '/api/deactivation-guard/release',
      'cross-site',
      'text/csv',
      'session=1; admin=true',
    ),
    hostileString.map((s) => s.replace(/[^\x20-\x7e]/g, '').slice(0, 512)),
  ),
  { maxKeys: 3 },
);

/** Request headers: the credential's Authorization, a content type, and noise. */
export function headersOf(
  auth: AuthCase | undefined,
  contentType: string | undefined,
  noise: Record<string, string>,
): Record<string, string> {
  return {
    ...noise,
    ...(auth?.header === undefined ? {} : { authorization: auth.header }),
    ...(contentType === undefined ? {} : { 'content-type': contentType }),
  };
}

/** A path segment from any string (percent-encoded UTF-8). */
export const segment = (value: string) => encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));

/** Methods other than the route's, as a confused or hostile client sends them. */
export const otherMethods = (except: string) =>
  fc.constantFrom(...['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter((m) => m !== except));
