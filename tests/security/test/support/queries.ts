import { CommandAction } from '@provision/events';
import fc from 'fast-check';
import { hostileString } from './bodies.ts';

/** One query parameter as sent (already percent-encoded) and whether the API must accept it. */
export interface QueryParam {
  readonly name: string;
  /** What the server decodes the value to. */
  readonly value: string;
  readonly encoded: string;
  /** `ok`: a valid value; `bad`: must be a 400 naming it; `either`: the encoding itself is broken. */
  readonly verdict: 'ok' | 'bad' | 'either';
  /** A free-text filter (userId, changeId, …) with a generated value: nothing in the log matches it. */
  readonly unmatchable?: boolean;
}

/** A generated query string for one route and what the API must answer. */
export interface QueryCase {
  readonly search: string;
  readonly params: readonly QueryParam[];
  /** `ok` (200), `bad` (400) or `either` (a broken encoding: 200 or 400, never more). */
  readonly verdict: 'ok' | 'bad' | 'either';
  /** A valid export (CSV or NDJSON) was asked for. */
  readonly format: 'json' | 'csv' | 'ndjson';
  readonly unmatchable: boolean;
}

const STATUSES = ['success', 'failure', 'skipped', 'warning', 'pending'];
const ACTIONS = CommandAction.options as readonly string[];
const FILTERS = ['userId', 'changeId', 'commandId', 'errorCode', 'cycleId'];

/** Percent-encodes every byte of the UTF-8 form outside the unreserved set (lone surrogates become U+FFFD). */
export function encode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** What the server decodes `value` to (lone surrogates replaced, as its UTF-8 round trip does). */
const decoded = (value: string) => Buffer.from(value, 'utf8').toString('utf8');

/** Whether a single free-text value passes: not blank, at most 256 characters, no NUL (PostgreSQL refuses it). */
function textVerdict(value: string): 'ok' | 'bad' {
  const v = decoded(value);
  return v.trim() === '' || v.length > 256 || v.includes('\u0000') ? 'bad' : 'ok';
}

const param = (name: string, value: string, verdict: QueryParam['verdict'], unmatchable = false): QueryParam => ({
  name,
  value: decoded(value),
  encoded: `${encode(name)}=${encode(value)}`,
  verdict,
  unmatchable,
});

const isoDate = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

/** Parameters of `GET /api/provisioning-logs`: valid ones, hostile values, unknown names. */
export const logParam: fc.Arbitrary<QueryParam> = fc.oneof(
  fc.tuple(fc.constantFrom(...FILTERS), hostileString).map(([n, v]) => param(n, v, textVerdict(v), true)),
  fc.subarray(STATUSES, { minLength: 1 }).map((s) => param('status', s.join(','), 'ok')),
  fc.subarray([...ACTIONS], { minLength: 1 }).map((s) => param('action', s.join(','), 'ok')),
  fc.tuple(fc.constantFrom('status', 'action', 'format'), hostileString).map(([n, v]) => {
    const allowed = n === 'status' ? STATUSES : n === 'action' ? ACTIONS : ['json', 'csv', 'ndjson'];
    const values =
      decoded(v).trim() === ''
        ? []
        : [
            ...new Set(
              decoded(v)
                .split(',')
                .map((s) => s.trim()),
            ),
          ];
    const ok = values.length > 0 && values.every((x) => allowed.includes(x)) && decoded(v).length <= 256;
    return param(n, v, ok && !(n === 'format' && values.length > 1) ? 'ok' : 'bad');
  }),
  fc.tuple(fc.constantFrom('from', 'to'), isoDate).map(([n, v]) => param(n, v, 'ok')),
  fc.tuple(fc.constantFrom('from', 'to'), hostileString).map(([n, v]) => param(n, v, 'bad')),
  fc.integer({ min: 1, max: 1000 }).map((n) => param('limit', String(n), 'ok')),
  fc
    .oneof(
      fc.integer({ min: -5, max: 0 }).map(String),
      fc.constantFrom('1e3', '0x10', '1.5', ' 5', '100000000000000000000'),
      hostileString,
    )
    .map((v) => param('limit', v, 'bad')),
  fc.constantFrom('csv', 'ndjson', 'json').map((f) => param('format', f, 'ok')),
  hostileString.map((v) => param('cursor', v, 'bad')),
  fc
    .tuple(isoDate, hostileString)
    .map(([at, id]) => ({ id, cursor: Buffer.from(JSON.stringify([at, id])).toString('base64url') }))
    // A command id with a NUL is refused: PostgreSQL text cannot hold one.
    .map(({ id, cursor }) => param('cursor', cursor, cursor.length <= 256 && !id.includes('\u0000') ? 'ok' : 'bad')),
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom(
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
          'status[]',
          'userId[0]',
          'a[b]',
          'filter',
          'sort',
          'q',
          'where',
          'select',
          '$where',
          'limit ',
        ),
        fc.string({ minLength: 1, maxLength: 20 }),
      ),
      hostileString,
    )
    .filter(([n]) => ![...FILTERS, 'status', 'action', 'from', 'to', 'limit', 'format', 'cursor'].includes(decoded(n)))
    .map(([n, v]) => param(n, v, 'bad')),
);

/** A broken percent-encoding: the server may refuse it or decode it its own way, never fail. */
const brokenParam: fc.Arbitrary<QueryParam> = fc
  .tuple(
    fc.constantFrom(...FILTERS, 'status', 'x'),
    fc.constantFrom('%', '%zz', '%C0%AF', '%FF%FE', '%ED%A0%80', '%00', '%%32%65', '%u0041'),
  )
  .map(([name, raw]) => ({ name, value: raw, encoded: `${name}=${raw}`, verdict: 'either' as const }));

/** A query built from `params`: the API must refuse it when any parameter is bad or repeated. */
export function queryCase(params: readonly QueryParam[]): QueryCase {
  const names = params.map((p) => decoded(p.name));
  const repeated = names.some((n, i) => names.indexOf(n) !== i);
  const formatParam = params.find((p) => p.name === 'format' && p.verdict === 'ok');
  const format = (formatParam?.value.split(',')[0]?.trim() ?? 'json') as QueryCase['format'];
  // An export may ask for up to 100,000 rows, a page for up to 1,000.
  const max = format === 'json' ? 1000 : 100_000;
  const judged = params.map((p) => {
    if (p.name !== 'limit' || p.verdict === 'either') return p;
    const v = p.value.trim();
    const ok = p.value.length <= 256 && /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= max;
    return { ...p, verdict: ok ? ('ok' as const) : ('bad' as const) };
  });
  let verdict: QueryCase['verdict'] = judged.some((p) => p.verdict === 'bad') || repeated ? 'bad' : 'ok';
  if (verdict === 'ok' && judged.some((p) => p.verdict === 'either')) verdict = 'either';
  // Dates: `from` after `to` is refused.
  const from = judged.find((p) => p.name === 'from' && p.verdict === 'ok');
  const to = judged.find((p) => p.name === 'to' && p.verdict === 'ok');
  if (verdict === 'ok' && from && to && Date.parse(from.value) > Date.parse(to.value)) verdict = 'bad';
  return {
    search: judged.length === 0 ? '' : `?${judged.map((p) => p.encoded).join('&')}`,
    params: judged,
    verdict,
    format,
    unmatchable: judged.some((p) => p.unmatchable && p.verdict === 'ok'),
  };
}

/** Query strings of the log API: up to four parameters, now and then a broken encoding. */
export const logQuery: fc.Arbitrary<QueryCase> = fc
  .tuple(fc.array(logParam, { maxLength: 4 }), fc.option(brokenParam, { freq: 10 }))
  .map(([params, broken]) => queryCase(broken ? [...params, broken] : params));

/** Query strings of a route that takes only `allowed` parameters (`limit` from 1 to 1000). */
export function strictQuery(allowed: readonly string[]): fc.Arbitrary<QueryCase> {
  const known = fc.oneof(
    fc.integer({ min: 1, max: 1000 }).map((n) => param('limit', String(n), 'ok')),
    hostileString.map((v) => param('limit', v, 'bad')),
  );
  const unknown = fc
    .tuple(
      fc.oneof(
        fc.constantFrom('__proto__', 'format', 'status', 'x', 'limit[]'),
        fc.string({ minLength: 1, maxLength: 12 }),
      ),
      hostileString,
    )
    .filter(([n]) => !allowed.includes(decoded(n)))
    .map(([n, v]) => param(n, v, 'bad'));
  const one = allowed.includes('limit') ? fc.oneof(known, unknown) : unknown;
  return fc.array(one, { maxLength: 3 }).map((params) => queryCase(params));
}
