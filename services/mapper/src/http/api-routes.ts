import { apiRoutes, initiatorOf, ROLES, type TokenVerifier } from '@provision/auth';
import type { Initiator } from '@provision/events';
import type { FastifyInstance } from 'fastify';

/** What the API reads and does: the deactivation guard. */
export interface GuardControl {
  /** Users whose deactivation the guard holds back. */
  staged(): Promise<string[]>;
  /** Lets the held-back deactivations through; `by` is recorded in their commands. */
  releaseStaged(by: Initiator): Promise<number>;
}

export interface ApiRouteDeps {
  readonly guard: GuardControl;
  readonly verifier: TokenVerifier;
  /** Told of every refused request and every release. */
  readonly log?: { warn(fields: object, message?: string): void };
}

/**
 * The deactivation guard: `GET /api/deactivation-guard` needs Provision.Read,
 * `POST /api/deactivation-guard/release` needs Provision.Operate (and a JSON request, so no
 * cross-origin form or `text/plain` post can fire it).
 */
export function registerApiRoutes(app: FastifyInstance, deps: ApiRouteDeps): void {
  const door = { verifier: deps.verifier, ...(deps.log ? { log: deps.log } : {}) };
  apiRoutes(app, { ...door, role: ROLES.read }, (scope) => {
    scope.get('/api/deactivation-guard', async () => ({ staged: await deps.guard.staged() }));
  });
  apiRoutes(app, { ...door, role: ROLES.operate, json: true }, (scope) => {
    scope.post('/api/deactivation-guard/release', async (request) => {
      const by = initiatorOf(request);
      const released = await deps.guard.releaseStaged(by);
      deps.log?.warn({ released, by }, 'deactivation guard released');
      return { released, releasedBy: by };
    });
  });
}
