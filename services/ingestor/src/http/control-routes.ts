import { apiRoutes, initiatorOf as initiator, ROLES, type TokenVerifier } from '@provision/auth';
import type { Initiator } from '@provision/events';
import type { FastifyInstance } from 'fastify';
import type { RestartResult } from '../app.ts';
import type { Log } from '../domain/log.ts';
import type { PauseState } from '../domain/ports.ts';

/** The admins' switches of the job, as the service carries them out. */
export interface JobControls {
  pauseState(): Promise<PauseState | null>;
  pause(by: Initiator, reason: string | null): Promise<PauseState>;
  resume(by: Initiator): Promise<PauseState | null>;
  restart(by: Initiator): Promise<RestartResult>;
  clearQuarantine(by: Initiator): Promise<Record<string, unknown> | null>;
}

export interface ControlRouteOptions {
  readonly controls: JobControls;
  readonly verifier: TokenVerifier;
  readonly log: Log;
}

const EMPTY = { type: 'object', additionalProperties: false, properties: {} } as const;

/**
 * Entra's "Stop provisioning", "Start provisioning" and "Restart provisioning", and the writers'
 * quarantine clear — all Provision.Operate, all with a JSON body, each recording who acted:
 *
 * - `GET /api/provisioning` (Provision.Read): whether provisioning is paused, by whom, since when.
 * - `POST /api/provisioning/pause { reason? }`, `POST /api/provisioning/resume {}`
 * - `POST /api/provisioning/restart {}`
 * - `POST /api/writer-quarantine/clear {}`
 *
 * They live on the ingestor because it already authenticates Operate calls and owns the Graph side
 * of the job; the writers (which have no API) read the same Redis keys before every batch.
 */
export function registerControlRoutes(app: FastifyInstance, options: ControlRouteOptions): void {
  const { controls, verifier, log } = options;
  apiRoutes(app, { verifier, role: ROLES.read, log }, (scope) => {
    scope.get('/api/provisioning', async () => ({ paused: await controls.pauseState() }));
  });
  apiRoutes(app, { verifier, role: ROLES.operate, json: true, perMinute: 30, log }, (scope) => {
    scope.post(
      '/api/provisioning/pause',
      {
        bodyLimit: 4 * 1024,
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { reason: { type: 'string', maxLength: 500 } },
          },
        },
      },
      async (request) => {
        const reason = (request.body as { reason?: string }).reason?.trim() || null;
        return { paused: await controls.pause(initiator(request), reason) };
      },
    );
    scope.post('/api/provisioning/resume', { bodyLimit: 1024, schema: { body: EMPTY } }, async (request) => {
      const by = initiator(request);
      return { paused: null, ended: await controls.resume(by), resumedBy: by };
    });
    scope.post('/api/provisioning/restart', { bodyLimit: 1024, schema: { body: EMPTY } }, async (request) =>
      controls.restart(initiator(request)),
    );
    scope.post('/api/writer-quarantine/clear', { bodyLimit: 1024, schema: { body: EMPTY } }, async (request) => {
      const by = initiator(request);
      return { lifted: await controls.clearQuarantine(by), clearedBy: by };
    });
  });
}
