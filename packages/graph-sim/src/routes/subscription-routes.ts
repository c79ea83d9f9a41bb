import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimContext } from './context.ts';

/** `/subscriptions`: create (with the validation handshake), list, get, renew, reauthorize, delete. */
export function registerSubscriptionRoutes(app: FastifyInstance, ctx: SimContext): void {
  const { subscriptions } = ctx;
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id.toLowerCase();
  const entity = '@odata.context';
  app.get('/v1.0/subscriptions', async () => ({
    [entity]: 'https://graph.microsoft.com/v1.0/$metadata#subscriptions',
    value: subscriptions.list(),
  }));
  app.post('/v1.0/subscriptions', async (request, reply) => {
    const sub = await subscriptions.create(request.body);
    reply.code(201);
    return { [entity]: 'https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity', ...sub };
  });
  app.get('/v1.0/subscriptions/:id', async (request) => ({
    [entity]: 'https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity',
    ...subscriptions.get(idOf(request)),
  }));
  app.patch('/v1.0/subscriptions/:id', async (request) => ({
    [entity]: 'https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity',
    ...(await subscriptions.update(idOf(request), request.body)),
  }));
  app.post('/v1.0/subscriptions/:id/reauthorize', async (request, reply) => {
    subscriptions.reauthorize(idOf(request));
    reply.code(204);
  });
  app.delete('/v1.0/subscriptions/:id', async (request, reply) => {
    subscriptions.delete(idOf(request));
    reply.code(204);
  });
}
