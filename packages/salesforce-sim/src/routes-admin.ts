import type { FastifyInstance, FastifyReply } from 'fastify';
import { AdminError, type OrgChanges, type SimAdmin } from './admin.ts';
import type { FaultConfig } from './faults.ts';
import type { ModelChange } from './model.ts';
import type { OrgSeed, UserSeed } from './seed.ts';

type OrgParams = { orgId: string };
type UserParams = { orgId: string; userId: string };

function body<T>(value: unknown): T {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new AdminError(400, 'a JSON body is expected');
  }
  return (value ?? {}) as T;
}

/** Registers the admin API under `/__admin`: seed, inspect, mutate, inject faults, count requests. */
export function registerAdminRoutes(app: FastifyInstance, admin: SimAdmin): void {
  app.get('/__admin/orgs', async () => admin.listOrgs());
  app.post('/__admin/orgs', async (request, reply: FastifyReply) =>
    reply.code(201).send(await admin.createOrg(body<OrgSeed>(request.body))),
  );
  app.get('/__admin/orgs/:orgId', async (request) => admin.summary((request.params as OrgParams).orgId));
  app.patch('/__admin/orgs/:orgId', async (request) =>
    admin.updateOrg((request.params as OrgParams).orgId, body<OrgChanges>(request.body)),
  );
  app.get('/__admin/orgs/:orgId/users', async (request) => {
    const { username } = request.query as { username?: string };
    return admin.users((request.params as OrgParams).orgId, username === undefined ? {} : { username });
  });
  app.post('/__admin/orgs/:orgId/users', async (request, reply) => {
    const seed = body<UserSeed | UserSeed[]>(request.body);
    const ids = admin.addUsers((request.params as OrgParams).orgId, Array.isArray(seed) ? seed : [seed]);
    return reply.code(201).send({ ids });
  });
  app.get('/__admin/orgs/:orgId/users/:userId', async (request) => {
    const { orgId, userId } = request.params as UserParams;
    return admin.user(orgId, userId);
  });
  app.post('/__admin/orgs/:orgId/users/:userId/confirm-email', async (request) => {
    const { orgId, userId } = request.params as UserParams;
    return admin.confirmEmailChange(orgId, userId);
  });
  app.post('/__admin/orgs/:orgId/users/:userId/reset-token', async (request) => {
    const { orgId, userId } = request.params as UserParams;
    return admin.resetSecurityToken(orgId, userId);
  });
  app.post('/__admin/orgs/:orgId/users/:userId/password', async (request) => {
    const { orgId, userId } = request.params as UserParams;
    const { password, securityToken } = body<{ password?: unknown; securityToken?: unknown }>(request.body);
    if (typeof password !== 'string' || password === '') throw new AdminError(400, 'password is required');
    return admin.setPassword(orgId, userId, password, typeof securityToken === 'string' ? securityToken : undefined);
  });
  app.post('/__admin/orgs/:orgId/users/:userId/permission-sets', async (request, reply) => {
    const { orgId, userId } = request.params as UserParams;
    const { name } = body<{ name?: unknown }>(request.body);
    if (typeof name !== 'string') throw new AdminError(400, 'name is required');
    return reply.code(201).send({ id: admin.assignPermissionSet(orgId, userId, name) });
  });
  app.get('/__admin/orgs/:orgId/users/:userId/permission-sets', async (request) => {
    const { orgId, userId } = request.params as UserParams;
    return admin.permissionSetsOf(orgId, userId);
  });
  app.delete('/__admin/orgs/:orgId/permission-sets/:name', async (request, reply) => {
    const { orgId, name } = request.params as { orgId: string; name: string };
    admin.deletePermissionSet(orgId, name);
    return reply.code(204).send();
  });
  app.delete('/__admin/orgs/:orgId/roles/:name', async (request, reply) => {
    const { orgId, name } = request.params as { orgId: string; name: string };
    admin.deleteRole(orgId, name);
    return reply.code(204).send();
  });
  app.post('/__admin/sessions/expire', async (request) => {
    const { orgId } = body<{ orgId?: string }>(request.body);
    return admin.expireSessions(orgId);
  });
  app.get('/__admin/faults', async () => admin.faults());
  app.put('/__admin/faults', async (request) => admin.setFaults(body<FaultConfig>(request.body)));
  app.delete('/__admin/faults', async (_request, reply) => {
    admin.clearFaults();
    return reply.code(204).send();
  });
  app.put('/__admin/orgs/:orgId/users/:userId/deactivation-blocker', async (request) => {
    const { orgId, userId } = request.params as UserParams;
    const { reason } = body<{ reason?: unknown }>(request.body);
    if (typeof reason !== 'string') throw new AdminError(400, 'reason is required');
    return admin.setDeactivationBlocker(orgId, userId, reason);
  });
  app.delete('/__admin/orgs/:orgId/users/:userId/deactivation-blocker', async (request, reply) => {
    const { orgId, userId } = request.params as UserParams;
    admin.setDeactivationBlocker(orgId, userId, null);
    return reply.code(204).send();
  });
  app.get('/__admin/model', async () => admin.model());
  app.put('/__admin/model', async (request) => admin.setModel(body<ModelChange>(request.body)));
  app.get('/__admin/requests', async () => admin.requestCounts());
  app.delete('/__admin/requests', async (_request, reply) => {
    admin.resetRequestCounts();
    return reply.code(204).send();
  });
}
