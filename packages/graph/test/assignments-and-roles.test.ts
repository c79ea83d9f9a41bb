import { isProvisionError } from '@provision/errors';
import { type GraphSim, SALESFORCE_PROFILES, startGraphSim } from '@provision/graph-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppRoleAssignment,
  createGraphClient,
  DEFAULT_ACCESS_ROLE_ID,
  GraphAppRoleAssignments,
  GraphAppRolePublisher,
  roleIdFor,
} from '../src/index.ts';

describe('app role assignments and app roles against graph-sim', () => {
  let sim: GraphSim;
  let assignments: GraphAppRoleAssignments;
  let publisher: GraphAppRolePublisher;

  beforeAll(async () => {
    sim = await startGraphSim({ users: 300, seed: 11 });
    const client = createGraphClient({ ...sim, graphUrl: sim.url });
    assignments = new GraphAppRoleAssignments(client, sim.servicePrincipalId);
    publisher = new GraphAppRolePublisher(client, sim.applicationId);
  });
  afterAll(async () => {
    await sim?.close();
  });

  async function all(pageSize?: number): Promise<{ pages: number; items: AppRoleAssignment[] }> {
    const items: AppRoleAssignment[] = [];
    let pages = 0;
    for await (const page of assignments.list(pageSize === undefined ? {} : { pageSize })) {
      pages++;
      items.push(...page);
    }
    return { pages, items };
  }

  it('lists the seeded assignments in pages: users and groups, with roles and Default Access', async () => {
    const { pages, items } = await all(25);
    const expected = sim.admin.state()['assignments'] ?? 0;
    expect(items).toHaveLength(expected);
    expect(pages).toBe(Math.ceil(expected / 25));
    expect(new Set(items.map((a) => a.principalType))).toEqual(new Set(['User', 'Group']));
    expect(items.every((a) => a.resourceId === sim.servicePrincipalId)).toBe(true);
    const roleIds = new Set(sim.tenant.application.appRoles.map((r) => r.id).concat(DEFAULT_ACCESS_ROLE_ID));
    expect(items.every((a) => roleIds.has(a.appRoleId))).toBe(true);
  });

  it('assigns a user with a role and removes the assignment', async () => {
    const assigned = new Set((await all()).items.map((a) => a.principalId));
    const user = [...sim.tenant.users.active()].find((u) => !assigned.has(u.id));
    if (!user) throw new Error('expected an unassigned user');
    const role = sim.tenant.application.appRoles.find((r) => r.value === 'Chatter Free User');
    const created = await assignments.assign(user.id, role?.id ?? '');
    expect(created).toMatchObject({ principalId: user.id, principalType: 'User', appRoleId: role?.id });
    expect((await all()).items.map((a) => a.id)).toContain(created.id);

    const duplicate = await assignments.assign(user.id, role?.id ?? '').catch((e: unknown) => e);
    expect(isProvisionError(duplicate) && duplicate.details['status']).toBe(400);

    await assignments.remove(created.id);
    expect((await all()).items.map((a) => a.id)).not.toContain(created.id);
    const missing = await assignments.remove(created.id).catch((e: unknown) => e);
    expect(isProvisionError(missing) && missing.details).toMatchObject({
      status: 404,
      graphCode: 'Request_ResourceNotFound',
    });
  });

  it('refuses a role the application does not have', async () => {
    const user = [...sim.tenant.users.active()][0];
    const error = await assignments
      .assign(user?.id ?? '', '5b1e0f5e-0000-4000-8000-000000000000')
      .catch((e: unknown) => e);
    expect(isProvisionError(error) && error.details['status']).toBe(400);
  });

  it('publishes profile roles with stable ids, keeps roles it does not own, and retires its own', async () => {
    const before = await publisher.roles();
    expect(before.map((r) => r.value)).toEqual([...SALESFORCE_PROFILES]);

    const first = await publisher.publish([{ value: 'Standard User' }, { value: 'Custom: Field Sales' }]);
    expect(first.added).toEqual(['Custom: Field Sales']);
    const custom = first.roles.find((r) => r.value === 'Custom: Field Sales');
    expect(custom?.id).toBe(roleIdFor('Custom: Field Sales'));
    // Roles created by the gallery app (not by Provision) are all still there, untouched.
    for (const role of before) expect(first.roles).toContainEqual(role);

    const again = await publisher.publish([{ value: 'Standard User' }, { value: 'Custom: Field Sales' }]);
    expect(again).toMatchObject({ added: [], updated: [], removed: [] });
    expect(again.roles.find((r) => r.value === 'Custom: Field Sales')?.id).toBe(custom?.id);

    const retired = await publisher.publish([{ value: 'Standard User' }]);
    expect(retired.removed).toEqual(['Custom: Field Sales']);
    expect(retired.roles.map((r) => r.value)).toEqual([...SALESFORCE_PROFILES]);
  });
});
