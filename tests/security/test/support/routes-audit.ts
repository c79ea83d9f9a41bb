import fc from 'fast-check';
import { hostileString } from './bodies.ts';
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
import { logQuery, type QueryCase, strictQuery } from './queries.ts';

const json = (a: Answer) => JSON.parse(a.body.toString('utf8')) as Record<string, unknown>;

/** What a page or an export answered for a query whose filter nothing in the log can match. */
function nothingMatched(q: QueryCase, a: Answer): string | undefined {
  if (a.status !== 200 || !q.unmatchable) return undefined;
  const text = a.body.toString('utf8');
  if (q.format === 'json') {
    const items = json(a)['items'];
    return Array.isArray(items) && items.length === 0
      ? undefined
      : `a filter nothing matches returned ${text.slice(0, 200)}`;
  }
  const lines = text.split(/\r?\n/).filter(Boolean);
  const rows = q.format === 'csv' ? lines.length - 1 : lines.length;
  return rows === 0 ? undefined : `an export filtered by a value nothing matches returned ${rows} rows`;
}

/** The answers a query of the audit API may get (exports: 429 past two at once). */
function queryExpectation(q: QueryCase): Expectation {
  const exporting = q.format !== 'json';
  const ok = exporting ? [200, 429] : [200];
  const statuses = q.verdict === 'bad' ? [400] : q.verdict === 'ok' ? ok : [...ok, 400];
  return {
    statuses,
    check: (a) => {
      if (a.status === 400 && q.verdict !== 'either') {
        const code = (json(a)['error'] as { code?: string } | undefined)?.code;
        if (code !== 'PRV_BAD_REQUEST') return `400 with code ${code}`;
      }
      if (a.status === 200 && exporting) {
        const type = String(a.headers['content-type']);
        if (!type.startsWith(q.format === 'csv' ? 'text/csv' : 'application/x-ndjson')) return `export as ${type}`;
      }
      return nothingMatched(q, a);
    },
  };
}

/** A GET of `path` with generated queries, behind Provision.Read, plus other methods (404 once signed in). */
function readRoute(
  ctx: SuiteContext,
  name: string,
  path: fc.Arbitrary<{ path: string; label: string; statuses?: readonly number[]; tooLong?: boolean }>,
  query: fc.Arbitrary<QueryCase>,
): RouteSpec {
  const get = fc.tuple(authArbitrary(ctx, 'read'), path, query, noiseHeaders).map(([auth, p, q, noise]): Generated => {
    const gate = authGate(auth, 'read');
    const expect: Expectation = p.tooLong
      ? { statuses: [414] }
      : gate !== undefined
        ? { statuses: [gate] }
        : p.statuses
          ? { statuses: p.statuses }
          : queryExpectation(q);
    return {
      label: `GET ${p.label}${q.search.slice(0, 120)} as ${auth.label}`,
      request: { method: 'GET', path: `${p.path}${q.search}`, headers: headersOf(auth, undefined, noise) },
      expect,
    };
  });
  const other = fc
    .tuple(otherMethods('GET'), authArbitrary(ctx, 'read'), path, noiseHeaders)
    .map(([method, auth, p, noise]) => ({
      label: `${method} ${p.label} as ${auth.label}`,
      request: { method, path: p.path, headers: headersOf(auth, 'application/json', noise), body: Buffer.from('{}') },
      // Only GET has a route with a parameter here: other methods are unknown routes.
      expect: { statuses: [authGate(auth, 'read') ?? 404] },
    }));
  return {
    service: 'audit',
    name,
    arbitrary: fc.oneof({ weight: 9, arbitrary: get }, { weight: 1, arbitrary: other }),
  };
}

const fixed = (path: string) => fc.constant({ path, label: path });

/** `GET /api/provisioning-logs`: filters, dates, paging, formats, hostile values, unknown parameters. */
export function logsRoute(ctx: SuiteContext): RouteSpec {
  return readRoute(ctx, 'GET /api/provisioning-logs', fixed('/api/provisioning-logs'), logQuery);
}

/** `GET /api/provisioning-logs/:commandId`: any id no command has is a 404 (never another entry, never a 5xx), one with a NUL a 400. */
export function logEntryRoute(ctx: SuiteContext): RouteSpec {
  const id = fc.oneof(hostileString, fc.uuid().map(String)).map((raw) => {
    const text = Buffer.from(raw, 'utf8').toString('utf8');
    return {
      path: `/api/provisioning-logs/${encodeURIComponent(text)}`,
      label: `/api/provisioning-logs/<${text.length} characters>`,
      // An empty id is the list's path with a slash: an unknown route, 404 too. An id with a NUL
      // is a 400 (PostgreSQL text cannot hold one). A parameter of over 100 characters fastify's
      // router refuses before anything else (414).
      statuses: text.includes('\u0000') ? [400] : [404],
      tooLong: text.length > 100,
    };
  });
  const none: QueryCase = { search: '', params: [], verdict: 'ok', format: 'json', unmatchable: false };
  return readRoute(ctx, 'GET /api/provisioning-logs/:commandId', id, fc.constant(none));
}

/** `GET /api/sync-status`: no query parameter is known. */
export function syncStatusRoute(ctx: SuiteContext): RouteSpec {
  return readRoute(ctx, 'GET /api/sync-status', fixed('/api/sync-status'), strictQuery([]));
}

/** `GET /api/dead-letters`: `limit` only. */
export function deadLettersRoute(ctx: SuiteContext): RouteSpec {
  return readRoute(ctx, 'GET /api/dead-letters', fixed('/api/dead-letters'), strictQuery(['limit']));
}
