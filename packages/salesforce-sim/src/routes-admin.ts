import type { FastifyInstance, FastifyReply } from 'fastify';
import { AdminError, type OrgChanges, type PermissionSetGroupStatus, type SimAdmin } from './admin.ts';
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

/** The body's `field`, a non-empty string, or a 400 naming the field and what it holds. */
function text(value: unknown, field: string, what: string): string {
  const { [field]: found } = body<Record<string, unknown>>(value);
  if (typeof found !== 'string' || found === '') throw new AdminError(400, `${field} is required: ${what}`);
  return found;
}

/**
 * The entitlement admin calls: a user's permission set groups, permission set licences, public
 * groups and queues (as an admin assigns them in Setup), licence totals and group Status.
 */
function registerEntitlementRoutes(app: FastifyInstance, admin: SimAdmin): void {
  const kinds = [
    ['permission-set-groups', 'permissionSetGroup', "a permission set group's DeveloperName"],
    ['permission-set-licenses', 'permissionSetLicense', "a permission set licence's DeveloperName"],
  ] as const;
  for (const [path, kind, what] of kinds) {
    app.post(`/__admin/orgs/:orgId/users/:userId/${path}`, async (request, reply) => {
      const { orgId, userId } = request.params as UserParams;
      const name = text(request.body, 'name', what);
      return reply.code(201).send({ id: admin.assignEntitlement(orgId, userId, kind, name) });
    });
    app.get(`/__admin/orgs/:orgId/users/:userId/${path}`, async (request) => {
      const { orgId, userId } = request.params as UserParams;
      return kind === 'permissionSetGroup'
        ? admin.permissionSetGroupsOf(orgId, userId)
        : admin.permissionSetLicensesOf(orgId, userId);
    });
  }
  app.post('/__admin/orgs/:orgId/users/:userId/groups', async (request, reply) => {
    const { orgId, userId } = request.params as UserParams;
    const name = text(request.body, 'name', "a public group's or queue's DeveloperName");
    return reply.code(201).send({ id: admin.addGroupMember(orgId, userId, name) });
  });
  app.get('/__admin/orgs/:orgId/users/:userId/groups', async (request) => {
    const { orgId, userId } = request.params as UserParams;
    return admin.groupsOf(orgId, userId);
  });
  app.get('/__admin/orgs/:orgId/permission-set-licenses', async (request) =>
    admin.permissionSetLicenses((request.params as OrgParams).orgId),
  );
  app.patch('/__admin/orgs/:orgId/permission-set-licenses/:name', async (request) => {
    const { orgId, name } = request.params as { orgId: string; name: string };
    const { total } = body<{ total?: unknown }>(request.body);
    if (total === undefined) throw new AdminError(400, 'total is required: how many of the licence the org has');
    admin.setPermissionSetLicenseTotal(orgId, name, total as number);
    return admin.permissionSetLicenses(orgId).find((l) => l.developerName.toLowerCase() === name.toLowerCase());
  });
  app.patch('/__admin/orgs/:orgId/permission-set-groups/:name', async (request) => {
    const { orgId, name } = request.params as { orgId: string; name: string };
    const status = text(request.body, 'status', 'Updated, Outdated, Updating or Failed');
    admin.setPermissionSetGroupStatus(orgId, name, status as PermissionSetGroupStatus);
    return { developerName: name, status };
  });
  app.delete('/__admin/orgs/:orgId/load', async (request) => admin.resetLoad((request.params as OrgParams).orgId));
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
  registerEntitlementRoutes(app, admin);
  app.get('/__admin/model', async () => admin.model());
  app.put('/__admin/model', async (request) => admin.setModel(body<ModelChange>(request.body)));
  app.get('/__admin/requests', async () => admin.requestCounts());
  app.delete('/__admin/requests', async (_request, reply) => {
    admin.resetRequestCounts();
    return reply.code(204).send();
  });
}
