import {
  type Caller,
  callerOf,
  describeCaller,
  flatErrorBody,
  protect,
  ROLES,
  requireJson,
  secureHeaders,
  type TokenVerifier,
} from '@provision/auth';
import type { Initiator } from '@provision/events';
import { type Logger, type Registry, registerOpsRoutes } from '@provision/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';

/** What the API reads and does: the deactivation guard. */
export interface GuardControl {
  /** Users whose deactivation the guard holds back. */
  staged(): Promise<string[]>;
  /** Lets the held-back deactivations through; `by` is recorded in their commands. */
  releaseStaged(by: Initiator): Promise<number>;
}

export interface MapperHttpDeps {
  readonly guard: GuardControl;
  readonly verifier: TokenVerifier;
  readonly ready: () => boolean;
  readonly metrics: Registry;
  readonly logger?: Logger;
}

/** The caller as commands record it. */
export function initiatorOf(caller: Caller): Initiator {
  return { kind: caller.kind, id: caller.id, name: describeCaller(caller) };
}

/**
 * The mapper's HTTP server: `/healthz`, `/readyz`, `/metrics` open; `GET /api/deactivation-guard`
 * needs Provision.Read, `POST /api/deactivation-guard/release` needs Provision.Operate (and a JSON
 * request, so no cross-origin form or `text/plain` post can fire it).
 */
export function buildHttp(deps: MapperHttpDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 });
  secureHeaders(app);
  registerOpsRoutes(app, { ready: deps.ready, metrics: deps.metrics });
  const refused = (e: { status: number; reason: string; url: string }) =>
    deps.logger?.warn({ status: e.status, url: e.url, reason: e.reason }, 'API request refused');
  void app.register(async (scope) => {
    protect(scope, { verifier: deps.verifier, role: ROLES.read, errorBody: flatErrorBody, onRefused: refused });
    scope.get('/api/deactivation-guard', async () => ({ staged: await deps.guard.staged() }));
  });
  void app.register(async (scope) => {
    protect(scope, { verifier: deps.verifier, role: ROLES.operate, errorBody: flatErrorBody, onRefused: refused });
    requireJson(scope, flatErrorBody);
    scope.post('/api/deactivation-guard/release', async (request) => {
      const by = initiatorOf(callerOf(request));
      const released = await deps.guard.releaseStaged(by);
      deps.logger?.warn({ released, by }, 'deactivation guard released');
      return { released, releasedBy: by };
    });
  });
  return app;
}
