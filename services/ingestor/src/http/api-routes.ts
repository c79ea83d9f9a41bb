import {
  callerOf,
  describeCaller,
  flatErrorBody,
  limitRate,
  protect,
  ROLES,
  requireJson,
  type TokenVerifier,
} from '@provision/auth';
import type { Initiator } from '@provision/events';
import type { FastifyInstance } from 'fastify';
import type { Log } from '../domain/log.ts';
import type { OnDemandResult } from '../domain/on-demand.ts';

const OBJECT_ID = /^[0-9a-fA-F-]{1,64}$/;

export interface ApiOptions {
  readonly provisionOnDemand: (userId: string, by: Initiator) => Promise<OnDemandResult>;
  readonly verifier: TokenVerifier;
  readonly log: Log;
  /** On-demand requests per minute per client address (each reads Graph's assignments). */
  readonly onDemandPerMinute?: number;
}

/**
 * `POST /api/provision-on-demand { userId }`: publishes one user's facts at once, recording who
 * asked; a user Graph no longer has gets its removal published instead (`removed: soft|hard` in
 * the answer), which deactivates a Salesforce user linked to it. Provision.Operate, a JSON body,
 * and a rate limit (every call lists the app's assignments).
 */
export function registerApiRoutes(app: FastifyInstance, options: ApiOptions): void {
  void app.register(async (scope) => {
    protect(scope, {
      verifier: options.verifier,
      role: ROLES.operate,
      errorBody: flatErrorBody,
      onRefused: (e) => options.log.warn({ status: e.status, url: e.url, reason: e.reason }, 'API request refused'),
    });
    requireJson(scope, flatErrorBody);
    await limitRate(scope, { max: options.onDemandPerMinute ?? 30, windowMs: 60_000 });
    scope.post(
      '/api/provision-on-demand',
      {
        bodyLimit: 4 * 1024,
        schema: {
          body: {
            type: 'object',
            required: ['userId'],
            additionalProperties: false,
            properties: { userId: { type: 'string', pattern: OBJECT_ID.source } },
          },
        },
      },
      async (request, reply) => {
        const { userId } = request.body as { userId: string };
        const caller = callerOf(request);
        const by: Initiator = { kind: caller.kind, id: caller.id, name: describeCaller(caller) };
        const result = await options.provisionOnDemand(userId.toLowerCase(), by);
        options.log.info({ userId: result.userId, by }, 'provisioned on demand');
        return reply.code(200).send({ ...result, requestedBy: by });
      },
    );
  });
}
