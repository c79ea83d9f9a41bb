import { randomUUID } from 'node:crypto';
import type { ServiceName } from '@provision/demo';
import type { RouteSpec, SuiteContext } from './cases.ts';
import { deadLettersRoute, logEntryRoute, logsRoute, syncStatusRoute } from './routes-audit.ts';
import { openRoute, unknownPathRoute } from './routes-common.ts';
import { CONTROLS, controlRelayRoute, controlRoute, notPaused, plainReadRoute } from './routes-controls.ts';
import { onDemandRoute, webhookRoute } from './routes-ingestor.ts';
import { guardRoute, releaseRoute } from './routes-mapper.ts';
import { salesforceUserRouteOfAudit, salesforceUserRouteOfWriter } from './routes-salesforce-user.ts';

const hasMapping = (body: Record<string, unknown>) =>
  typeof body['mapping'] === 'object' && 'fingerprint' in body && 'lastChange' in body
    ? undefined
    : 'no mapping, fingerprint or lastChange';

/**
 * Every public route of every service (services/*\/src/http, the ops routes of packages/telemetry,
 * the audit's dashboard files), each given HOSTILE_RUNS generated requests.
 */
export const ROUTES: readonly ((ctx: SuiteContext) => RouteSpec)[] = [
  onDemandRoute,
  (ctx) => webhookRoute(ctx, 'change'),
  (ctx) => webhookRoute(ctx, 'lifecycle'),
  (ctx) => plainReadRoute(ctx, 'ingestor', '/api/provisioning', notPaused),
  ...CONTROLS.map((control) => (ctx: SuiteContext) => controlRoute(ctx, control)),
  (ctx) => unknownPathRoute(ctx, 'ingestor'),
  guardRoute,
  releaseRoute,
  (ctx) => plainReadRoute(ctx, 'mapper', '/api/mapping', hasMapping),
  (ctx) => unknownPathRoute(ctx, 'mapper'),
  salesforceUserRouteOfWriter,
  (ctx) => unknownPathRoute(ctx, 'writer'),
  logsRoute,
  logEntryRoute,
  syncStatusRoute,
  deadLettersRoute,
  (ctx) => plainReadRoute(ctx, 'audit', '/api/console/provisioning', notPaused),
  ...CONTROLS.map((control) => (ctx: SuiteContext) => controlRelayRoute(ctx, control)),
  salesforceUserRouteOfAudit,
  (ctx) => unknownPathRoute(ctx, 'audit'),
  ...(['ingestor', 'mapper', 'writer', 'audit'] as const).flatMap((service) =>
    ['/healthz', '/readyz', '/metrics'].map((path) => (ctx: SuiteContext) => openRoute(ctx, service, path)),
  ),
  ...['/', '/dashboard.js', '/dashboard.css'].map((path) => (ctx: SuiteContext) => openRoute(ctx, 'audit', path)),
];

/** The routes' service and name (`GET /healthz`, `POST /api/provisioning/pause`), built without a pipeline. */
export const ROUTE_NAMES: readonly { readonly service: ServiceName; readonly name: string }[] = ROUTES.map((build) => {
  const spec = build({
    auth: [{ label: '', header: undefined, credential: { kind: 'anonymous' } }],
    tenantId: randomUUID(),
    clientState: 'x',
    subscriptionIds: ['x'],
  });
  return { service: spec.service, name: spec.name };
});
