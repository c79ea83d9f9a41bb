import fc from 'fast-check';
import { type BodyCase, bodyArbitrary, hostileString, oversize, parseLikeFastify } from './bodies.ts';
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
import { encode } from './queries.ts';

const OBJECT_ID = /^[0-9a-fA-F-]{1,64}$/;
/** Body limits of the ingestor's routes (services/ingestor/src/http). */
export const ON_DEMAND_BODY_LIMIT = 4 * 1024;
export const WEBHOOK_BODY_LIMIT = 128 * 1024;
/** Authorized on-demand requests per source address in a run: under the limit of 30 a minute. */
export const ON_DEMAND_PER_SOURCE = 25;
/** Webhook requests per source address in a run: under the limit of 6,000 a minute. */
export const WEBHOOK_PER_SOURCE = 5_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The string fastify's Ajv makes of a value for a `type: 'string'` property: scalars are coerced,
 * a one-element array stands for its element (`coerceTypes: 'array'`); undefined when it cannot.
 */
export function ajvString(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length === 1 && !Array.isArray(v[0]) ? ajvString(v[0]) : undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return `${v}`;
  if (v === null) return '';
  return undefined;
}

const uuid = fc.uuid().map((u) => u.toString());

/**
 * `POST /api/provision-on-demand`: Provision.Operate, then JSON only (415), then the rate limit, then
 * the body: 4 KiB (413), JSON (400), `{ userId }` an object id (400). A well-formed id no user has
 * is a 404. Other methods: 404.
 */
export function onDemandRoute(ctx: SuiteContext): RouteSpec {
  const shaped = fc.oneof(
    uuid.map((userId) => ({ userId })),
    uuid.map((userId) => ({ userId: userId.toUpperCase() })),
    hostileString.map((userId) => ({ userId })),
    fc.jsonValue({ maxDepth: 2 }).map((userId) => ({ userId })),
    fc.tuple(uuid, fc.jsonValue({ maxDepth: 2 })).map(([userId, extra]) => ({ userId, extra })),
    uuid.map((userId) => ({ userId: [userId] })),
    uuid.map((userid) => ({ userid })),
    uuid.map((userId) => [{ userId }]),
    fc.constant({}),
  );
  const post = fc
    .tuple(authArbitrary(ctx, 'operate'), bodyArbitrary(ON_DEMAND_BODY_LIMIT, shaped), noiseHeaders)
    .map(([auth, body, noise]): Generated => {
      const gate = authGate(auth, 'operate');
      const counted = gate === undefined && body.media === 'json';
      return {
        label: `POST as ${auth.label}; body ${body.label}`,
        request: {
          method: 'POST',
          path: '/api/provision-on-demand',
          headers: headersOf(auth, body.contentType, noise),
          body: body.bytes,
          chunked: body.chunked,
        },
        expect: { statuses: [gate ?? (body.media !== 'json' ? 415 : onDemandBodyStatus(body))] },
        rateCounted: counted,
      };
    });
  const other = fc
    .tuple(otherMethods('POST'), authArbitrary(ctx, 'operate'), noiseHeaders)
    .map(([method, auth, noise]) => ({
      label: `${method} as ${auth.label}`,
      request: { method, path: '/api/provision-on-demand', headers: headersOf(auth, undefined, noise) },
      expect: { statuses: [404] },
    }));
  return {
    service: 'ingestor',
    name: 'POST /api/provision-on-demand',
    arbitrary: fc.oneof({ weight: 9, arbitrary: post }, { weight: 1, arbitrary: other }),
    perSource: ON_DEMAND_PER_SOURCE,
  };
}

function onDemandBodyStatus(body: BodyCase): number {
  if (oversize(body, ON_DEMAND_BODY_LIMIT)) return 413;
  const parsed = parseLikeFastify(body.bytes);
  if (!parsed.ok || !isObject(parsed.value)) return 400;
  const userId = ajvString(parsed.value['userId']);
  return userId !== undefined && OBJECT_ID.test(userId) ? 404 : 400;
}

/**
 * `POST /webhooks/graph` and `/webhooks/graph/lifecycle`: open (Graph sends no token), limited to
 * 6,000 a minute per client. `?validationToken=` is echoed as text/plain (1 to 1,024 characters,
 * else 400). Otherwise the body must be JSON (128 KiB) with a `value` array: 202, whatever the
 * items — a wrong clientState, another tenant or a subscription not ours is ignored and counted.
 */
export function webhookRoute(ctx: SuiteContext, kind: 'change' | 'lifecycle'): RouteSpec {
  const path = kind === 'change' ? '/webhooks/graph' : '/webhooks/graph/lifecycle';
  const item = notificationItem(ctx, kind);
  const shaped = fc.oneof(
    { weight: 6, arbitrary: fc.array(item, { maxLength: 20 }).map((value) => ({ value })) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 100, max: 3000 }).map((n) => ({ value: Array.from({ length: n }, () => ({})) })),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => ({ value })) },
    { weight: 1, arbitrary: fc.array(item, { maxLength: 3 }).map((values) => ({ values })) },
  );
  const notification = fc
    .tuple(bodyArbitrary(WEBHOOK_BODY_LIMIT, shaped), noiseHeaders, authArbitrary(ctx, 'open'), fc.boolean())
    .map(([body, noise, auth, withAuth]): Generated => {
      const statuses = [webhookBodyStatus(body)];
      return {
        label: `notification ${body.label}${withAuth ? ` with ${auth.label}` : ''}`,
        request: {
          method: 'POST',
          path,
          headers: headersOf(withAuth ? auth : undefined, body.contentType, noise),
          body: body.bytes,
          chunked: body.chunked,
        },
        expect: { statuses },
        rateCounted: true,
        ...(statuses[0] === 202 ? { notifications: countItems(ctx, parseLikeFastify(body.bytes)) } : {}),
      };
    });
  const handshake = fc
    .tuple(
      fc.oneof(
        hostileString.map((t) => [t]),
        fc.constantFrom(
          ['Validation: Testing client application reachability for subscription Request-Id: 1'],
          [''],
          ['a', 'b'],
        ),
        fc.integer({ min: 1000, max: 1100 }).map((n) => ['v'.repeat(n)]),
      ),
      bodyArbitrary(WEBHOOK_BODY_LIMIT, shaped),
      noiseHeaders,
    )
    .map(([tokens, body, noise]): Generated => {
      const search = tokens.map((t) => `validationToken=${encode(t)}`).join('&');
      const token = Buffer.from(tokens[0]!, 'utf8').toString('utf8');
      const valid = tokens.length === 1 && token.length > 0 && token.length <= 1024;
      const expect: Expectation = valid
        ? {
            statuses: [200],
            check: (a) => {
              if (!String(a.headers['content-type']).startsWith('text/plain')) return 'the echo is not text/plain';
              return a.body.toString('utf8') === token ? undefined : 'the echo differs from the validation token';
            },
          }
        : { statuses: [400] };
      return {
        label: `handshake with ${tokens.length} token(s) of ${token.length} characters; body ${body.label}`,
        request: {
          method: 'POST',
          path: `${path}?${search}`,
          headers: headersOf(undefined, body.contentType, noise),
          body: body.bytes,
          chunked: body.chunked,
        },
        expect,
        rateCounted: true,
      };
    });
  const other = fc.tuple(otherMethods('POST'), noiseHeaders).map(([method, noise]) => ({
    label: `${method} ${path}`,
    request: { method, path: `${path}?validationToken=x`, headers: noise },
    expect: { statuses: [404] },
  }));
  return {
    service: 'ingestor',
    name: `POST ${path}`,
    arbitrary: fc.oneof(
      { weight: 8, arbitrary: notification },
      { weight: 2, arbitrary: handshake },
      { weight: 1, arbitrary: other },
    ),
    perSource: WEBHOOK_PER_SOURCE,
  };
}

function webhookBodyStatus(body: BodyCase): number {
  if (body.media === 'form' || body.media === 'other') return 415;
  if (body.media === 'none') return (body.bytes?.length ?? 0) > 0 || body.chunked ? 415 : 400;
  if (oversize(body, WEBHOOK_BODY_LIMIT)) return 413;
  if (body.media === 'text') return 400;
  const parsed = parseLikeFastify(body.bytes);
  return parsed.ok && isObject(parsed.value) && Array.isArray(parsed.value['value']) ? 202 : 400;
}

/** How the webhook must count the items of an accepted body. */
function countItems(ctx: SuiteContext, parsed: ReturnType<typeof parseLikeFastify>) {
  const counts = { rejected: 0, unknown: 0, accepted: 0 };
  if (!parsed.ok || !isObject(parsed.value)) return counts;
  for (const item of parsed.value['value'] as unknown[]) {
    if (!isObject(item) || item['clientState'] !== ctx.clientState) counts.rejected++;
    else if (genuine(ctx, item)) counts.accepted++;
    else counts.unknown++;
  }
  return counts;
}

function genuine(ctx: SuiteContext, item: Record<string, unknown>): boolean {
  const { tenantId, subscriptionId } = item;
  return (
    typeof tenantId === 'string' &&
    tenantId.toLowerCase() === ctx.tenantId.toLowerCase() &&
    typeof subscriptionId === 'string' &&
    ctx.subscriptionIds.includes(subscriptionId)
  );
}

/**
 * Notification items: forged (a wrong or near-miss clientState, another tenant, a subscription not
 * ours, odd types) and, among change notifications only, genuine replays — a replayed lifecycle
 * event would make the ingestor re-create its subscriptions, which the suite leaves to its own test.
 */
function notificationItem(ctx: SuiteContext, kind: 'change' | 'lifecycle'): fc.Arbitrary<unknown> {
  const secret = ctx.clientState;
  const anyValue = fc.oneof(hostileString, fc.jsonValue({ maxDepth: 2 }));
  const fields = {
    subscriptionId: fc.oneof(fc.constantFrom(...ctx.subscriptionIds), uuid, anyValue),
    clientState: fc.oneof(
      fc.constant(secret),
      fc.constantFrom(secret.toUpperCase(), `${secret} `, secret.slice(1), `${secret}\u0000`, [secret]),
      anyValue,
    ),
    tenantId: fc.oneof(fc.constant(ctx.tenantId), fc.constant(ctx.tenantId.toUpperCase()), uuid, anyValue),
    changeType: fc.oneof(fc.constantFrom('created', 'updated', 'deleted'), anyValue),
    resource: fc.oneof(
      uuid.map((id) => `Users/${id}`),
      anyValue,
    ),
    resourceData: fc.jsonValue({ maxDepth: 2 }),
    lifecycleEvent: fc.oneof(fc.constantFrom('reauthorizationRequired', 'subscriptionRemoved', 'missed'), anyValue),
    subscriptionExpirationDateTime: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      anyValue,
    ),
  };
  const record = fc
    .record(fields, { requiredKeys: [] })
    .filter((item) => kind === 'change' || item.clientState !== secret || !genuine(ctx, item));
  return fc.oneof({ weight: 5, arbitrary: record }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
}
