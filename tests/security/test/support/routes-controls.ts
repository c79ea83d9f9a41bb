import type { ServiceName } from '@provision/demo';
import fc from 'fast-check';
import { type BodyCase, bodyArbitrary, hostileString, oversize, parseLikeFastify } from './bodies.ts';
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
import { ajvString } from './routes-ingestor.ts';
import type { AuthCase } from './tokens.ts';

/** Authorized control requests per source address in a run: under the ingestor's 30 a minute. */
export const CONTROL_PER_SOURCE = 25;
/** The longest pause reason the ingestor takes (services/ingestor/src/http/control-routes.ts). */
const REASON_MAX = 500;

/** One of the job's switches, on the ingestor and as the audit relays it. */
export interface Control {
  readonly action: 'pause' | 'resume' | 'restart' | 'quarantine';
  readonly ingestorPath: string;
  readonly auditPath: string;
  /** Body limits: the ingestor's and the audit's relay. */
  readonly ingestorLimit: number;
  readonly auditLimit: number;
}

export const CONTROLS: readonly Control[] = [
  {
    action: 'pause',
    ingestorPath: '/api/provisioning/pause',
    auditPath: '/api/console/provisioning/pause',
    ingestorLimit: 4 * 1024,
    auditLimit: 4 * 1024,
  },
  ...(['resume', 'restart'] as const).map((action) => ({
    action,
    ingestorPath: `/api/provisioning/${action}`,
    auditPath: `/api/console/provisioning/${action}`,
    ingestorLimit: 1024,
    auditLimit: 1024,
  })),
  {
    action: 'quarantine',
    ingestorPath: '/api/writer-quarantine/clear',
    auditPath: '/api/console/quarantine/clear',
    ingestorLimit: 1024,
    auditLimit: 1024,
  },
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const codePoints = (s: string) => [...s].length;

const anyQuery = fc
  .array(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), hostileString), { maxLength: 2 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`));

/**
 * A read of `path` with Provision.Read whose query is ignored (`GET /api/provisioning`,
 * `GET /api/mapping`, the audit's relay of the first). Other methods: 404 — on the audit only
 * after sign-in, as everything under its `/api/`.
 */
export function plainReadRoute(
  ctx: SuiteContext,
  service: ServiceName,
  path: string,
  check: (body: Record<string, unknown>) => string | undefined,
): RouteSpec {
  const get = fc.tuple(authArbitrary(ctx, 'read'), anyQuery, noiseHeaders).map(([auth, search, noise]): Generated => {
    const gate = authGate(auth, 'read');
    return {
      label: `GET as ${auth.label}${search ? ` with ${search.slice(0, 80)}` : ''}`,
      request: { method: 'GET', path: `${path}${search}`, headers: headersOf(auth, undefined, noise) },
      expect: {
        statuses: [gate ?? 200],
        check: (a) => (a.status === 200 ? check(JSON.parse(a.body.toString())) : undefined),
      },
    };
  });
  const other = fc
    .tuple(otherMethods('GET'), authArbitrary(ctx, 'read'), noiseHeaders)
    .map(([method, auth, noise]) => ({
      label: `${method} as ${auth.label}`,
      request: { method, path, headers: headersOf(auth, 'application/json', noise), body: Buffer.from('{}') },
      expect: { statuses: [service === 'audit' ? (authGate(auth, 'read') ?? 404) : 404] },
    }));
  return {
    service,
    name: `GET ${path}`,
    arbitrary: fc.oneof({ weight: 9, arbitrary: get }, { weight: 1, arbitrary: other }),
  };
}

/** Bodies the switch expects, nearly expects, or must refuse. */
function shapedBody(control: Control): fc.Arbitrary<unknown> {
  const anyValue = fc.oneof(hostileString, fc.jsonValue({ maxDepth: 2 }));
  if (control.action !== 'pause') {
    return fc.oneof(
      fc.constant({}),
      fc.jsonValue({ maxDepth: 2 }),
      anyValue.map((reason) => ({ reason })),
    );
  }
  return fc.oneof(
    fc.constant({}),
    anyValue.map((reason) => ({ reason })),
    fc.integer({ min: REASON_MAX + 1, max: REASON_MAX + 200 }).map((n) => ({ reason: 'r'.repeat(n) })),
    fc.jsonValue({ maxDepth: 2 }),
  );
}

/**
 * What the ingestor makes of a body that passed sign-in and the JSON check: a 4xx, or `acts` when
 * it would pause, resume, restart or clear. fastify's Ajv removes unknown properties and coerces a
 * scalar reason to text, so `{ "x": 1 }` acts too.
 */
function ingestorVerdict(control: Control, body: BodyCase): number | 'acts' {
  if (oversize(body, control.ingestorLimit)) return 413;
  const parsed = parseLikeFastify(body.bytes);
  if (!parsed.ok || !isObject(parsed.value)) return 400;
  if (control.action !== 'pause' || parsed.value['reason'] === undefined) return 'acts';
  const reason = ajvString(parsed.value['reason']);
  return reason === undefined || codePoints(reason) > REASON_MAX ? 400 : 'acts';
}

const actionOf = (control: Control) => (control.action === 'quarantine' ? 'clear' : control.action);

/**
 * `POST /api/provisioning/{pause,resume,restart}` and `POST /api/writer-quarantine/clear` on the
 * ingestor: Provision.Operate (401, 403), JSON only (415), 30 a minute per client, the body limit
 * (413), well-formed JSON of the right shape (400). Requests that would act are not generated: the
 * suite checks afterwards that nothing was paused, resumed, restarted or cleared.
 */
export function controlRoute(ctx: SuiteContext, control: Control): RouteSpec {
  const post = fc
    .tuple(authArbitrary(ctx, 'operate'), bodyArbitrary(control.ingestorLimit, shapedBody(control)), noiseHeaders)
    .map(([auth, body, noise]): Generated | undefined => {
      const gate = authGate(auth, 'operate');
      const status = gate ?? (body.media !== 'json' ? 415 : ingestorVerdict(control, body));
      if (status === 'acts') return undefined;
      return {
        label: `POST as ${auth.label}; body ${body.label}`,
        request: {
          method: 'POST',
          path: control.ingestorPath,
          headers: headersOf(auth, body.contentType, noise),
          body: body.bytes,
          chunked: body.chunked,
        },
        expect: { statuses: [status] },
        rateCounted: gate === undefined && body.media === 'json',
      };
    })
    .filter((g): g is Generated => g !== undefined);
  return {
    service: 'ingestor',
    name: `POST ${control.ingestorPath}`,
    arbitrary: fc.oneof({ weight: 9, arbitrary: post }, { weight: 1, arbitrary: otherRequest(ctx, control, false) }),
    perSource: CONTROL_PER_SOURCE,
  };
}

/**
 * The audit's relay of a switch (`/api/console/provisioning/*`, `/api/console/quarantine/clear`):
 * Provision.Read at the audit (401, 403), JSON only (415), its own body limit (413), JSON (400), a
 * reason that is text (400); then the ingestor decides with the caller's own token — 403 without
 * Provision.Operate, relayed with its challenge. Requests that would act are not generated.
 */
export function controlRelayRoute(ctx: SuiteContext, control: Control): RouteSpec {
  const post = fc
    .tuple(authArbitrary(ctx, 'operate'), bodyArbitrary(control.auditLimit, shapedBody(control)), noiseHeaders)
    .map(([auth, body, noise]): Generated | undefined => {
      const statuses = relayStatuses(auth, body, control);
      if (statuses === 'acts') return undefined;
      return {
        label: `POST as ${auth.label}; body ${body.label}`,
        request: {
          method: 'POST',
          path: control.auditPath,
          headers: headersOf(auth, body.contentType, noise),
          body: body.bytes,
          chunked: body.chunked,
        },
        expect: { statuses },
      };
    })
    .filter((g): g is Generated => g !== undefined);
  return {
    service: 'audit',
    name: `POST ${control.auditPath}`,
    arbitrary: fc.oneof({ weight: 9, arbitrary: post }, { weight: 1, arbitrary: otherRequest(ctx, control, true) }),
  };
}

function relayStatuses(auth: AuthCase, body: BodyCase, control: Control): readonly number[] | 'acts' {
  const gate = authGate(auth, 'read');
  if (gate !== undefined) return [gate];
  if (body.media !== 'json') return [415];
  if (oversize(body, control.auditLimit)) return [413];
  const parsed = parseLikeFastify(body.bytes);
  if (!parsed.ok) return [400];
  const reason = control.action === 'pause' && isObject(parsed.value) ? parsed.value['reason'] : undefined;
  if (reason !== undefined && reason !== null && typeof reason !== 'string') return [400];
  if (authGate(auth, 'operate') !== undefined) return [403];
  // The relay sends `{}` or `{ reason }`: only a reason the ingestor refuses keeps it from acting
  // (escaped, it may pass the ingestor's 4 KiB; every such call counts against its 30 a minute
  // from the audit's one address).
  if (typeof reason === 'string' && codePoints(reason) > REASON_MAX) return [400, 413, 429];
  return 'acts';
}

function otherRequest(ctx: SuiteContext, control: Control, viaAudit: boolean): fc.Arbitrary<Generated> {
  const path = viaAudit ? control.auditPath : control.ingestorPath;
  return fc.tuple(otherMethods('POST'), authArbitrary(ctx, 'operate'), noiseHeaders).map(([method, auth, noise]) => ({
    label: `${method} ${actionOf(control)} as ${auth.label}`,
    request: { method, path, headers: headersOf(auth, undefined, noise) },
    expect: { statuses: [viaAudit ? (authGate(auth, 'read') ?? 404) : 404] },
  }));
}

/** What an answer of `GET /api/provisioning` must show after a run that acted on nothing. */
export const notPaused = (body: Record<string, unknown>) =>
  'paused' in body && body['paused'] === null ? undefined : `paused: ${JSON.stringify(body['paused'])}`;
