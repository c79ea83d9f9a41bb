import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimAdmin } from '../admin.ts';
import type { Fault, ThrottlePolicy } from '../faults.ts';
import { graphErrors } from '../graph-error.ts';
import { jsonObject } from './context.ts';

/** `/__admin/…`: the sandbox controls (seed, mutate, inject faults, inspect). Not part of Graph. */
export function registerAdminRoutes(app: FastifyInstance, admin: SimAdmin): void {
  const id = (request: FastifyRequest, name = 'id') =>
    String((request.params as Record<string, string>)[name]).toLowerCase();
  const body = (request: FastifyRequest) => jsonObject(request.body ?? {});
  const noContent =
    <T>(fn: (request: FastifyRequest) => T) =>
    async (request: FastifyRequest, reply: { code: (n: number) => unknown }) => {
      fn(request);
      reply.code(204);
    };

  app.get('/__admin/state', async () => admin.state());
  app.post('/__admin/seed', async (request) => {
    const input = body(request);
    const users = Number(input['users'] ?? 0);
    const seed = Number(input['seed'] ?? 1);
    if (!Number.isInteger(users) || users < 0 || users > 200_000 || !Number.isInteger(seed)) {
      throw graphErrors.badRequest('users (0..200000) and seed must be integers.');
    }
    const groups = input['groups'] === undefined ? undefined : Number(input['groups']);
    return admin.seed({ users, seed, ...(groups === undefined ? {} : { groups }) });
  });

  for (const kind of ['user', 'group'] as const) {
    app.post(`/__admin/${kind}s`, async (request, reply) => {
      const input = body(request);
      const { id: given, members, ...props } = input;
      const objectId = typeof given === 'string' ? given.toLowerCase() : undefined;
      reply.code(201);
      return kind === 'user'
        ? admin.createUser(props, objectId)
        : admin.createGroup(props, Array.isArray(members) ? members.map(String) : [], objectId);
    });
    app.patch(
      `/__admin/${kind}s/:id`,
      noContent((request) =>
        kind === 'user' ? admin.updateUser(id(request), body(request)) : admin.updateGroup(id(request), body(request)),
      ),
    );
    app.delete(
      `/__admin/${kind}s/:id`,
      noContent((request) => {
        const hard = (request.query as Record<string, string>)['hard'] === 'true';
        if (hard) admin.hardDelete(kind, id(request));
        else admin.softDelete(kind, id(request));
      }),
    );
    app.post(
      `/__admin/${kind}s/:id/restore`,
      noContent((request) => admin.restore(id(request))),
    );
  }
  app.post(
    '/__admin/groups/:id/members',
    noContent((request) => admin.addMember(id(request), String(body(request)['id']).toLowerCase())),
  );
  app.delete(
    '/__admin/groups/:id/members/:memberId',
    noContent((request) => admin.removeMember(id(request), id(request, 'memberId'))),
  );

  app.post('/__admin/assignments', async (request, reply) => {
    const input = body(request);
    const role = input['role'] ?? input['appRoleId'];
    reply.code(201);
    return admin.assign(String(input['principalId']).toLowerCase(), role === undefined ? undefined : String(role));
  });
  app.delete(
    '/__admin/assignments/:id',
    noContent((request) => admin.unassign((request.params as { id: string }).id)),
  );

  app.post(
    '/__admin/faults',
    noContent((request) => admin.injectFault(body(request) as unknown as Fault)),
  );
  app.delete(
    '/__admin/faults',
    noContent(() => admin.clearFaults()),
  );
  app.put(
    '/__admin/throttle',
    noContent((request) => {
      const input = body(request);
      admin.setThrottlePolicy(input['requests'] === undefined ? undefined : (input as unknown as ThrottlePolicy));
    }),
  );
  app.put('/__admin/resource-units', async (request) => admin.setResourceUnits(body(request)['enabled'] as boolean));
  app.get('/__admin/requests', async () => admin.requestCounts());
  app.delete(
    '/__admin/requests',
    noContent(() => admin.resetRequestCounts()),
  );
  app.post(
    '/__admin/delta/expire',
    noContent(() => admin.expireDeltaTokens()),
  );
  app.post(
    '/__admin/tokens/revoke',
    noContent(() => admin.revokeAccessTokens()),
  );
  app.patch(
    '/__admin/settings',
    noContent((request) => admin.updateSettings(body(request))),
  );
  app.post(
    '/__admin/subscriptions/:id/lifecycle',
    noContent((request) => {
      const event = String(body(request)['lifecycleEvent']);
      if (event !== 'reauthorizationRequired' && event !== 'subscriptionRemoved' && event !== 'missed') {
        throw graphErrors.badRequest('lifecycleEvent must be reauthorizationRequired, subscriptionRemoved or missed.');
      }
      admin.lifecycle(id(request), event);
    }),
  );
  app.get('/__admin/notifications', async () => admin.deliveries());
}
