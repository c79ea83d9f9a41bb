import type { ServiceName } from '@provision/demo';
import fc from 'fast-check';
import { bodyArbitrary, hostileString } from './bodies.ts';
import {
  authArbitrary,
  authGate,
  type Expectation,
  type Generated,
  headersOf,
  noiseHeaders,
  otherMethods,
  type RouteSpec,
  type SuiteContext,
} from './cases.ts';
import type { Answer } from './http-client.ts';
import { encode } from './queries.ts';

const anyQuery = fc
  .array(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), hostileString), { maxLength: 2 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`));

const OPEN_PAGES: Record<string, (a: Answer) => string | undefined> = {
  '/healthz': (a) => (JSON.parse(a.body.toString()).status === 'ok' ? undefined : 'not ok'),
  '/readyz': (a) => (JSON.parse(a.body.toString()).status === 'ready' ? undefined : 'not ready'),
  '/metrics': (a) => (String(a.headers['content-type']).startsWith('text/plain') ? undefined : 'metrics not text'),
  '/': (a) => pageChecks(a, 'text/html'),
  '/dashboard.js': (a) => pageChecks(a, 'text/javascript'),
  '/dashboard.css': (a) => pageChecks(a, 'text/css'),
};

function pageChecks(a: Answer, type: string): string | undefined {
  if (!String(a.headers['content-type']).startsWith(type)) return `served as ${a.headers['content-type']}`;
  const csp = String(a.headers['content-security-policy'] ?? '');
  if (csp === '' || csp.includes('unsafe-inline') || csp.includes('unsafe-eval')) return `CSP '${csp}'`;
  return undefined;
}

/**
 * An open route (health, readiness, metrics, the dashboard's files): 200 to anyone, whatever the
 * Authorization header (forged ones too), the query or a body; other methods 404.
 */
export function openRoute(ctx: SuiteContext, service: ServiceName, path: string): RouteSpec {
  const check = OPEN_PAGES[path]!;
  const get = fc
    .tuple(authArbitrary(ctx, 'open'), anyQuery, noiseHeaders, bodyArbitrary(1024, fc.constant({})), fc.boolean())
    .map(
      ([auth, search, noise, body, withBody]): Generated => ({
        label: `GET ${path}${search.slice(0, 60)} as ${auth.label}${withBody ? ` with a body ${body.label}` : ''}`,
        request: {
          method: 'GET',
          path: `${path}${search}`,
          headers: headersOf(auth, withBody ? body.contentType : undefined, noise),
          ...(withBody && body.bytes ? { body: body.bytes } : {}),
        },
        expect: { statuses: [200], check },
      }),
    );
  const other = fc.tuple(otherMethods('GET'), noiseHeaders).map(([method, noise]) => ({
    label: `${method} ${path}`,
    request: { method, path, headers: noise },
    expect: { statuses: [404] },
  }));
  return {
    service,
    name: `GET ${path} (${service})`,
    arbitrary: fc.oneof({ weight: 9, arbitrary: get }, { weight: 1, arbitrary: other }),
  };
}

/** Paths that try to reach a protected handler by another spelling. */
const TRICKS = [
  '/api/sync-status/',
  '/api//sync-status',
  '/api/./sync-status',
  '/api/../api/sync-status',
  '/%61pi/sync-status',
  '/api/sync%2Dstatus',
  '/API/sync-status',
  '//api/sync-status',
  '/api/sync-status%00',
  '/api/sync-status;.css',
  '/api/sync-status/..;/',
  '/api/dead-letters%3Flimit=1',
  '/api/provisioning-logs/..%2f..%2fdead-letters',
  '/healthz/../api/dead-letters',
  '/dashboard.js/../../api/dead-letters',
  '/metrics/..%2Fapi%2Fdead-letters',
  '/api/deactivation-guard/release/',
  '/api/deactivation-guard%2Frelease',
  '/api/Deactivation-Guard',
  '/api/provision-on-demand/',
  '/webhooks/graph/../../api/provision-on-demand',
  '/webhooks/graph/',
  '/webhooks/Graph',
  '/.env',
  '/admin',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/%',
  '/%zz',
  '/%C0%AF',
];

/**
 * Paths no route serves: generated segments, and other spellings of protected paths. On the audit,
 * everything under `/api/` needs sign-in first (401, 403), so no one learns which routes exist;
 * elsewhere 404. An anonymous or forged caller never gets a 200 from an API path.
 */
export function unknownPathRoute(ctx: SuiteContext, service: ServiceName): RouteSpec {
  const generated = fc
    .tuple(
      fc.constantFrom('/api/', '/', '/webhooks/', '/api/provisioning-logs/x/'),
      fc.array(hostileString, { minLength: 1, maxLength: 3 }),
    )
    .map(([prefix, parts]) => ({
      path: `${prefix}${parts.map((p) => encodeURIComponent(Buffer.from(p || 'x', 'utf8').toString('utf8'))).join('/')}`,
      trick: false,
    }));
  const tricks = fc.constantFrom(...TRICKS).map((path) => ({ path, trick: true }));
  const request = fc
    .tuple(
      fc.oneof(generated, tricks),
      fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'),
      authArbitrary(ctx, 'read'),
      noiseHeaders,
    )
    .map(([{ path, trick }, method, auth, noise]): Generated => {
      const underApi = service === 'audit' && path.startsWith('/api/');
      const gate = authGate(auth, 'read');
      let expect: Expectation;
      if (trick) {
        // Another spelling may be normalised to a real route: then it must still be protected.
        const signedIn = gate === undefined;
        expect = { statuses: signedIn ? [200, 400, 404, 415] : [400, 401, 403, 404, 415] };
      } else {
        expect = { statuses: [underApi && gate !== undefined ? gate : 404] };
      }
      const body = method === 'GET' || method === 'OPTIONS' || method === 'TRACE' ? undefined : Buffer.from('{}');
      return {
        label: `${method} ${path.slice(0, 120)} as ${auth.label}`,
        request: { method, path, headers: headersOf(auth, body ? 'application/json' : undefined, noise), body },
        expect,
      };
    });
  return { service, name: `unknown paths of the ${service}`, arbitrary: request };
}
