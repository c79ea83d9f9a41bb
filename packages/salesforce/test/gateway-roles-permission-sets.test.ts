import type { SalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsforceSalesforceGateway } from '../src/index.ts';
import { newUser, passwordGateway, startSim } from './helpers.ts';

describe('gateway roles and permission sets through jsforce', () => {
  let sim: SalesforceSim;
  let gateway: JsforceSalesforceGateway;

  beforeAll(async () => {
    sim = await startSim({
      org: {
        permissionSets: [
          { name: 'Provisioning_Integration', permissions: { ApiEnabled: true, ManageUsers: true } },
          { name: 'Sales_Cloud_User' },
          { name: 'Marketing_Tools' },
          { name: 'Admin_Granted' },
        ],
      },
    });
    gateway = passwordGateway(sim);
  });
  afterAll(async () => {
    await gateway.close();
    await sim.close();
  });

  const counts = () => sim.admin.requestCounts();
  const delta = (before: Record<string, number>, key: string) => (counts()[key] ?? 0) - (before[key] ?? 0);
  const QUERY = 'GET /services/data/:version/query';
  const INSERT = 'POST /services/data/:version/composite/sobjects';
  const DELETE = 'DELETE /services/data/:version/composite/sobjects';

  async function created(overrides: Record<string, unknown> = {}): Promise<string> {
    const [result] = await gateway.createUsers([newUser(overrides)]);
    if (!result?.ok) throw new Error(`create failed: ${JSON.stringify(result)}`);
    return result.id;
  }

  it('resolves UserRoleName to UserRoleId with one cached UserRole query, and null clears the role', async () => {
    const before = counts();
    const [a, b] = await gateway.createUsers([
      newUser({ UserRoleName: 'Sales Rep' }),
      newUser({ UserRoleName: 'sales manager' }),
    ]);
    expect(a?.ok && b?.ok).toBe(true);
    const id = a?.ok ? a.id : '';
    const roleQueries = () => (counts()[QUERY] ?? 0) - (before[QUERY] ?? 0);
    // profiles + roles: one query each, then cached.
    expect(roleQueries()).toBe(2);
    expect(await gateway.updateUsers([{ Id: id, UserRoleName: 'CEO' }])).toEqual([{ ok: true, id }]);
    expect(roleQueries()).toBe(2);
    const [found] = await gateway.findUsers('Id', [id], { fields: ['UserRole.Name'] });
    expect(found?.fields['UserRole.Name']).toBe('CEO');
    expect(await gateway.updateUsers([{ Id: id, UserRoleName: null }])).toEqual([{ ok: true, id }]);
    expect(sim.admin.user(sim.orgId, id)['UserRoleId']).toBeNull();
  });

  it('fails only the record naming an unknown role (SalesforceUnknownRole), without sending it', async () => {
    const records = [newUser({ UserRoleName: 'Chief Llama' }), newUser({ UserRoleName: 'CEO' })];
    const results = await gateway.createUsers(records);
    expect(results[0]).toMatchObject({
      ok: false,
      error: { code: 'SalesforceUnknownRole', retriable: false, fields: ['UserRoleName'] },
    });
    expect(results[1]?.ok).toBe(true);
    expect(sim.admin.users(sim.orgId, { username: String(records[0]!['Username']) })).toEqual([]);
  });

  it("reads users' permission sets (explicit assignments, names sorted) with one query, writing nothing", async () => {
    const users = [await created(), await created()];
    sim.admin.assignPermissionSet(sim.orgId, users[0]!, 'Sales_Cloud_User');
    sim.admin.assignPermissionSet(sim.orgId, users[0]!, 'Marketing_Tools');
    const before = counts();
    const held = await gateway.permissionSetsOf(users);
    expect(held).toEqual(
      new Map([
        [users[0], ['Marketing_Tools', 'Sales_Cloud_User']],
        [users[1], []],
      ]),
    );
    expect(delta(before, QUERY)).toBe(1);
    expect(delta(before, INSERT) + delta(before, DELETE)).toBe(0);
  });

  it('adds permission sets with one set query, one assignment query and one Collections insert', async () => {
    const users = [await created(), await created()];
    sim.admin.assignPermissionSet(sim.orgId, users[1]!, 'Marketing_Tools');
    const before = counts();
    const results = await gateway.assignPermissionSets([
      { userId: users[0]!, add: ['Sales_Cloud_User', 'Marketing_Tools'], remove: [] },
      { userId: users[1]!, add: ['sales_cloud_user'], remove: [] },
    ]);
    expect(results).toEqual([
      { ok: true, userId: users[0], before: [], after: ['Marketing_Tools', 'Sales_Cloud_User'] },
      { ok: true, userId: users[1], before: ['Marketing_Tools'], after: ['Marketing_Tools', 'Sales_Cloud_User'] },
    ]);
    expect(delta(before, QUERY)).toBe(2);
    expect(delta(before, INSERT)).toBe(1);
    expect(sim.admin.permissionSetsOf(sim.orgId, users[0]!)).toEqual(['Marketing_Tools', 'Sales_Cloud_User']);
    expect(sim.admin.permissionSetsOf(sim.orgId, users[1]!)).toEqual(['Marketing_Tools', 'Sales_Cloud_User']);
  });

  it('assigning a set twice is harmless: nothing is sent for a held set, and DUPLICATE_VALUE is no failure', async () => {
    const user = await created();
    sim.admin.assignPermissionSet(sim.orgId, user, 'Sales_Cloud_User');
    let before = counts();
    expect(await gateway.assignPermissionSets([{ userId: user, add: ['Sales_Cloud_User'], remove: [] }])).toEqual([
      { ok: true, userId: user, before: ['Sales_Cloud_User'], after: ['Sales_Cloud_User'] },
    ]);
    expect(delta(before, INSERT)).toBe(0);
    // A user said to be new is not queried; the set it holds anyway answers DUPLICATE_VALUE, harmlessly.
    before = counts();
    const [result] = await gateway.assignPermissionSets([
      { userId: user, add: ['Sales_Cloud_User'], remove: [], newUser: true },
    ]);
    expect(result).toMatchObject({ ok: true, after: ['Sales_Cloud_User'] });
    expect(delta(before, QUERY)).toBe(0);
    expect(delta(before, INSERT)).toBe(1);
    expect(sim.admin.permissionSetsOf(sim.orgId, user)).toEqual(['Sales_Cloud_User']);
  });

  it('removes only the sets named, through one Collections delete; what the user lacks is not sent', async () => {
    const user = await created();
    for (const name of ['Sales_Cloud_User', 'Marketing_Tools', 'Admin_Granted'])
      sim.admin.assignPermissionSet(sim.orgId, user, name);
    const before = counts();
    const [result] = await gateway.assignPermissionSets([
      { userId: user, add: [], remove: ['Marketing_Tools', 'Provisioning_Integration', 'Gone_Set'] },
    ]);
    expect(result).toEqual({
      ok: true,
      userId: user,
      before: ['Admin_Granted', 'Marketing_Tools', 'Sales_Cloud_User'],
      after: ['Admin_Granted', 'Sales_Cloud_User'],
    });
    expect(delta(before, DELETE)).toBe(1);
    expect(sim.admin.permissionSetsOf(sim.orgId, user)).toEqual(['Admin_Granted', 'Sales_Cloud_User']);
  });

  it('fails a user asking for an unknown set (SalesforceUnknownPermissionSet) after applying the rest of its change', async () => {
    const [ok, bad] = [await created(), await created()];
    const results = await gateway.assignPermissionSets([
      { userId: ok, add: ['Marketing_Tools'], remove: [] },
      { userId: bad, add: ['No_Such_Set', 'Sales_Cloud_User'], remove: [] },
    ]);
    expect(results[0]).toMatchObject({ ok: true, after: ['Marketing_Tools'] });
    expect(results[1]).toMatchObject({
      ok: false,
      after: ['Sales_Cloud_User'],
      error: { code: 'SalesforceUnknownPermissionSet', retriable: false, fields: ['PermissionSets'] },
    });
    expect(sim.admin.permissionSetsOf(sim.orgId, bad)).toEqual(['Sales_Cloud_User']);
  });

  it('previews without writing in a dry run, and sends nothing for empty changes', async () => {
    const user = await created();
    sim.admin.assignPermissionSet(sim.orgId, user, 'Admin_Granted');
    let before = counts();
    const [preview] = await gateway.assignPermissionSets(
      [{ userId: user, add: ['Marketing_Tools'], remove: ['Admin_Granted'] }],
      { dryRun: true },
    );
    expect(preview).toEqual({ ok: true, userId: user, before: ['Admin_Granted'], after: ['Marketing_Tools'] });
    expect(delta(before, INSERT) + delta(before, DELETE)).toBe(0);
    expect(sim.admin.permissionSetsOf(sim.orgId, user)).toEqual(['Admin_Granted']);
    before = counts();
    expect(await gateway.assignPermissionSets([{ userId: user, add: [], remove: [] }])).toEqual([
      { ok: true, userId: user, before: [], after: [] },
    ]);
    expect(Object.values(counts()).reduce((a, b) => a + b, 0)).toBe(Object.values(before).reduce((a, b) => a + b, 0));
  });

  it('reads the set and role lists again after one was deleted since it was cached', async () => {
    const extra = await sim.admin.createOrg({
      name: 'Stale caches',
      roles: [{ name: 'Temporary' }, { name: 'Lasting' }],
      permissionSets: [{ name: 'Short_Lived' }, { name: 'Kept' }],
    });
    const stale = passwordGateway(sim, {
      loginUrl: sim.loginUrl,
      auth: {
        kind: 'password',
        username: extra.username,
        password: extra.password,
        securityToken: extra.securityToken,
      },
    });
    try {
      const [made] = await stale.createUsers([newUser({ UserRoleName: 'Lasting' })]);
      const user = made?.ok ? made.id : '';
      expect(await stale.assignPermissionSets([{ userId: user, add: ['Kept'], remove: [] }])).toMatchObject([
        { ok: true },
      ]);

      sim.admin.deletePermissionSet(extra.orgId, 'Short_Lived');
      sim.admin.deleteRole(extra.orgId, 'Temporary');
      const [set] = await stale.assignPermissionSets([{ userId: user, add: ['Short_Lived'], remove: [] }]);
      expect(set).toMatchObject({ ok: false, error: { code: 'SalesforceInvalidValue' } });
      const [again] = await stale.assignPermissionSets([{ userId: user, add: ['Short_Lived'], remove: [] }]);
      expect(again).toMatchObject({ ok: false, error: { code: 'SalesforceUnknownPermissionSet' } });

      const [role] = await stale.updateUsers([{ Id: user, UserRoleName: 'Temporary' }]);
      expect(role).toMatchObject({ ok: false, error: { code: 'SalesforceInvalidValue', fields: ['UserRoleId'] } });
      const [roleAgain] = await stale.updateUsers([{ Id: user, UserRoleName: 'Temporary' }]);
      expect(roleAgain).toMatchObject({ ok: false, error: { code: 'SalesforceUnknownRole' } });
    } finally {
      await stale.close();
    }
  });

  it('assigns to 450 new users in three Collections inserts and no assignment query', async () => {
    const results = await gateway.createUsers(Array.from({ length: 450 }, () => newUser()));
    const ids = results.map((r) => (r.ok ? r.id : ''));
    const before = counts();
    const assigned = await gateway.assignPermissionSets(
      ids.map((userId) => ({ userId, add: ['Sales_Cloud_User'], remove: [], newUser: true })),
    );
    expect(assigned.every((r) => r.ok)).toBe(true);
    expect(delta(before, INSERT)).toBe(3);
    expect(delta(before, QUERY)).toBe(0);
    expect(sim.admin.permissionSetsOf(sim.orgId, ids[449]!)).toEqual(['Sales_Cloud_User']);
  });

  it('reads the assignments of 600 users with one Composite call', async () => {
    const results = await gateway.createUsers(Array.from({ length: 600 }, () => newUser()));
    const ids = results.map((r) => (r.ok ? r.id : ''));
    const before = counts();
    const assigned = await gateway.assignPermissionSets(
      ids.map((userId) => ({ userId, add: [], remove: ['Admin_Granted'] })),
    );
    expect(assigned.every((r) => r.ok)).toBe(true);
    expect(delta(before, 'POST /services/data/:version/composite')).toBe(1);
    expect(delta(before, DELETE)).toBe(0);
  });
});
