import fc from 'fast-check';
import { hostileString } from './bodies.ts';
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

const OBJECT_ID = /^[0-9a-fA-F-]{1,64}$/;

/** Ids as a path segment (already encoded) and what the server decodes them to. */
const idArbitrary = fc
  .oneof(
    { weight: 4, arbitrary: fc.uuid().map((u) => String(u)) },
    { weight: 1, arbitrary: fc.uuid().map((u) => String(u).toUpperCase()) },
    { weight: 4, arbitrary: hostileString.map((s) => s || 'x') },
    { weight: 1, arbitrary: fc.integer({ min: 65, max: 160 }).map((n) => 'a'.repeat(n)) },
  )
  .map((raw) => {
    const text = Buffer.from(raw, 'utf8').toString('utf8');
    return { segment: encodeURIComponent(text), text };
  });

/** Other spellings that try to climb out of the parameter, as sent. */
const climbing = fc
  .constantFrom('..%2F..%2Fhealthz', '..%2f', '%2e%2e', '%2E%2E%2F%2E%2E%2Fmetrics', '..%5C..%5C', '%2F', '.', '%00')
  .map((segment) => ({ segment, text: decodeURIComponent(segment) }));

/** `?matchAttribute=&matchValue=` as sent, and the strings the server parses (undefined: absent or repeated). */
interface MatchQuery {
  readonly search: string;
  readonly attribute: string | undefined;
  readonly value: string | undefined;
}

const matchQuery: fc.Arbitrary<MatchQuery> = fc
  .tuple(
    fc.option(fc.oneof(fc.constantFrom('Username', 'Password', 'Id', '__proto__', 'constructor', ''), hostileString)),
    fc.option(hostileString),
    fc.boolean(),
  )
  .map(([attribute, value, repeated]) => {
    const parts: string[] = [];
    if (attribute !== null) parts.push(`matchAttribute=${encode(attribute)}`);
    if (attribute !== null && repeated) parts.push(`matchAttribute=${encode(attribute)}`);
    if (value !== null) parts.push(`matchValue=${encode(value)}`);
    const decoded = (s: string | null) => (s === null ? undefined : Buffer.from(s, 'utf8').toString('utf8'));
    return {
      search: parts.length === 0 ? '' : `?${parts.join('&')}`,
      attribute: repeated ? undefined : decoded(attribute),
      value: decoded(value),
    };
  });

/**
 * The writer's answer to a well-formed id no Salesforce user is linked to: 400 when the match
 * query is half given or names an attribute the mapping does not match by, else 404 — never a
 * user (a hostile matchValue must not find anyone), never a 5xx.
 */
function writerStatuses(q: { attribute: string | undefined; value: string | undefined }): readonly number[] {
  const attribute = q.attribute === '' ? undefined : q.attribute;
  const value = q.value === '' ? undefined : q.value;
  if ((attribute === undefined) !== (value === undefined)) return [400];
  if (attribute === undefined || attribute === 'Username') return [404];
  // The demo mapping may match by other fields too; an attribute it does not match by is a 400.
  return ['Password', 'Id', '__proto__', 'constructor'].includes(attribute) ? [400] : [400, 404];
}

function salesforceUserRoute(ctx: SuiteContext, viaAudit: boolean): RouteSpec {
  const prefix = viaAudit ? '/api/console/users/' : '/api/salesforce-users/';
  const suffix = viaAudit ? '/salesforce' : '';
  const get = fc
    .tuple(
      authArbitrary(ctx, 'read'),
      fc.oneof({ weight: 9, arbitrary: idArbitrary }, climbing),
      matchQuery,
      noiseHeaders,
    )
    .map(([auth, id, q, noise]): Generated => {
      const gate = authGate(auth, 'read');
      let statuses: readonly number[];
      // fastify's router refuses a parameter of over 100 characters before any hook (414).
      if (id.text.length > 100) statuses = [414];
      else if (gate !== undefined) statuses = [gate];
      else if (!OBJECT_ID.test(id.text)) statuses = [400];
      // The audit passes the match on only when both are text.
      else if (viaAudit && (q.attribute === undefined || q.value === undefined)) statuses = [404];
      else statuses = writerStatuses(q);
      return {
        label: `GET ${prefix}<${id.text.length} characters>${suffix}${q.search.slice(0, 100)} as ${auth.label}`,
        request: {
          method: 'GET',
          path: `${prefix}${id.segment}${suffix}${q.search}`,
          headers: headersOf(auth, undefined, noise),
        },
        expect: { statuses },
      };
    });
  const other = fc
    .tuple(otherMethods('GET'), authArbitrary(ctx, 'read'), fc.uuid(), noiseHeaders)
    .map(([method, auth, id, noise]) => ({
      label: `${method} as ${auth.label}`,
      request: {
        method,
        path: `${prefix}${id}${suffix}`,
        headers: headersOf(auth, 'application/json', noise),
        body: Buffer.from('{}'),
      },
      expect: { statuses: [viaAudit ? (authGate(auth, 'read') ?? 404) : 404] },
    }));
  return {
    service: viaAudit ? 'audit' : 'writer',
    name: viaAudit ? 'GET /api/console/users/:userId/salesforce' : 'GET /api/salesforce-users/:entraObjectId',
    arbitrary: fc.oneof({ weight: 9, arbitrary: get }, { weight: 1, arbitrary: other }),
  };
}

/** `GET /api/salesforce-users/:entraObjectId` on the writer (Provision.Read): a live Salesforce read. */
export const salesforceUserRouteOfWriter = (ctx: SuiteContext) => salesforceUserRoute(ctx, false);

/** `GET /api/console/users/:userId/salesforce`: the audit's relay of it, with the caller's token. */
export const salesforceUserRouteOfAudit = (ctx: SuiteContext) => salesforceUserRoute(ctx, true);
