import { apiRoutes, initiatorOf, ROLES, type TokenVerifier } from '@provision/auth';
import type { Initiator } from '@provision/events';
import type { FastifyInstance } from 'fastify';
import type { Log } from '../domain/log.ts';
import type { OnDemandOptions, OnDemandResult } from '../domain/on-demand.ts';

const OBJECT_ID = /^[0-9a-fA-F-]{1,64}$/;

export interface ApiOptions {
  readonly provisionOnDemand: (userId: string, by: Initiator, options: OnDemandOptions) => Promise<OnDemandResult>;
  readonly verifier: TokenVerifier;
  readonly log: Log;
  /** On-demand requests per minute per client address (each reads Graph's assignments). */
  readonly onDemandPerMinute?: number;
}

/**
 * `POST /api/provision-on-demand { userId }`: publishes one user's facts at once, recording who
 * asked; a user in Entra's deleted items gets its removal published instead (`removed: soft` in
 * the answer), which deactivates a Salesforce user linked to it; an id Entra does not know at all
 * is a 404 naming `provision reconcile`, unless the body says `deprovisionIfGone: true` (what
 * reconcile sends): then its removal is published (`removed: hard`). Provision.Operate, a JSON body, and a rate limit (every call lists
 * the app's assignments).
 */
export function registerApiRoutes(app: FastifyInstance, options: ApiOptions): void {
  const door = {
    verifier: options.verifier,
    role: ROLES.operate,
    json: true,
    perMinute: options.onDemandPerMinute ?? 30,
    log: options.log,
  };
  apiRoutes(app, door, (scope) => {
    scope.post(
      '/api/provision-on-demand',
      {
        bodyLimit: 4 * 1024,
        schema: {
          body: {
            type: 'object',
            required: ['userId'],
            additionalProperties: false,
            properties: {
              userId: { type: 'string', pattern: OBJECT_ID.source },
              deprovisionIfGone: { type: 'boolean' },
            },
          },
        },
      },
      async (request, reply) => {
        const { userId, deprovisionIfGone } = request.body as { userId: string; deprovisionIfGone?: boolean };
        const by: Initiator = initiatorOf(request);
        const result = await options.provisionOnDemand(userId.toLowerCase(), by, {
          deprovisionIfGone: deprovisionIfGone === true,
        });
        options.log.info({ userId: result.userId, by }, 'provisioned on demand');
        return reply.code(200).send({ ...result, requestedBy: by });
      },
    );
  });
}
