import fc from 'fast-check';
import { bodyArbitrary, hostileString, oversize, parseLikeFastify } from './bodies.ts';
import {
  authArbitrary,
  authGate,
  type Generated,
  headersOf,
  noiseHeaders,
  otherMethods,
  type RouteSpec,
  type SuiteContext,
} from './cases.ts';
import { encode } from './queries.ts';

/** The mapper's body limit (services/mapper/src/http/api-routes.ts). */
export const MAPPER_BODY_LIMIT = 4 * 1024;

const anyQuery = fc
  .array(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), hostileString), { maxLength: 3 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`));

/** `GET /api/deactivation-guard`: Provision.Read; the query is ignored; other methods 404. */
export function guardRoute(ctx: SuiteContext): RouteSpec {
  const get = fc.tuple(authArbitrary(ctx, 'read'), anyQuery, noiseHeaders).map(([auth, search, noise]): Generated => {
    const gate = authGate(auth, 'read');
    return {
      label: `GET as ${auth.label}${search ? ` with ${search.slice(0, 80)}` : ''}`,
      request: { method: 'GET', path: `/api/deactivation-guard${search}`, headers: headersOf(auth, undefined, noise) },
      expect: {
        statuses: [gate ?? 200],
        check: (a) =>
          a.status !== 200 || Array.isArray(JSON.parse(a.body.toString()).staged) ? undefined : 'no staged list',
      },
    };
  });
  const other = fc
    .tuple(otherMethods('GET'), authArbitrary(ctx, 'read'), noiseHeaders)
    .map(([method, auth, noise]) => ({
      label: `${method} as ${auth.label}`,
      request: {
        method,
        path: '/api/deactivation-guard',
        headers: headersOf(auth, 'application/json', noise),
        body: Buffer.from('{}'),
      },
      expect: { statuses: [404] },
    }));
  return {
    service: 'mapper',
    name: 'GET /api/deactivation-guard',
    arbitrary: fc.oneof({ weight: 9, arbitrary: get }, { weight: 1, arbitrary: other }),
  };
}

/**
 * `POST /api/deactivation-guard/release`: Provision.Operate, JSON only (415: no cross-origin form
 * or text/plain post reaches it), 4 KiB (413), well-formed JSON (400). Nothing is held back in
 * this run, so a valid release lets nothing through (`released: 0`).
 */
export function releaseRoute(ctx: SuiteContext): RouteSpec {
  const shaped = fc.oneof(
    fc.constant({}),
    fc.jsonValue({ maxDepth: 3 }),
    hostileString.map((reason) => ({ reason })),
  );
  const post = fc
    .tuple(authArbitrary(ctx, 'operate'), bodyArbitrary(MAPPER_BODY_LIMIT, shaped), noiseHeaders)
    .map(([auth, body, noise]): Generated => {
      const gate = authGate(auth, 'operate');
      let status: number;
      if (gate !== undefined) status = gate;
      else if (body.media !== 'json') status = 415;
      else if (oversize(body, MAPPER_BODY_LIMIT)) status = 413;
      else status = parseLikeFastify(body.bytes).ok ? 200 : 400;
      return {
        label: `POST as ${auth.label}; body ${body.label}`,
        request: {
          method: 'POST',
          path: '/api/deactivation-guard/release',
          headers: headersOf(auth, body.contentType, noise),
          body: body.bytes,
          chunked: body.chunked,
        },
        expect: {
          statuses: [status],
          check: (a) =>
            a.status !== 200 || JSON.parse(a.body.toString()).released === 0 ? undefined : 'released someone',
        },
      };
    });
  const other = fc
    .tuple(otherMethods('POST'), authArbitrary(ctx, 'operate'), noiseHeaders)
    .map(([method, auth, noise]) => ({
      label: `${method} as ${auth.label}`,
      request: { method, path: '/api/deactivation-guard/release', headers: headersOf(auth, undefined, noise) },
      expect: { statuses: [404] },
    }));
  return {
    service: 'mapper',
    name: 'POST /api/deactivation-guard/release',
    arbitrary: fc.oneof({ weight: 9, arbitrary: post }, { weight: 1, arbitrary: other }),
  };
}
