import type { FastifyInstance } from 'fastify';
import type { OnDemandResult } from '../domain/on-demand.ts';

const OBJECT_ID = /^[0-9a-fA-F-]{1,64}$/;

export interface ApiOptions {
  readonly provisionOnDemand: (userId: string) => Promise<OnDemandResult>;
}

/** `POST /api/provision-on-demand { userId }`: publishes one user's facts at once. */
export function registerApiRoutes(app: FastifyInstance, options: ApiOptions): void {
  app.post(
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
      const result = await options.provisionOnDemand(userId.toLowerCase());
      return reply.code(200).send(result);
    },
  );
}
