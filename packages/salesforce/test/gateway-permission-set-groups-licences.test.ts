import type { SalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsforceSalesforceGateway } from '../src/index.ts';
import { newUser, passwordGateway, startSim } from './helpers.ts';

// The sim's defaults: licences SalesConsoleUser ×3 and IdentityConnect ×1; Sales_Console_Access
// needs SalesConsoleUser; groups Sales_Operations, Console_Agents (needs SalesConsoleUser) and
// Service_Agents (Outdated).
describe('gateway permission set groups and permission set licences through jsforce', () => {
  let sim: SalesforceSim;
  let gateway: JsforceSalesforceGateway;

  beforeAll(async () => {
    sim = await startSim();
    gateway = passwordGateway(sim);
  });
  afterAll(async () => {
    await gateway.close();
    await sim.close();
  });

  async function created(): Promise<string> {
    const [result] = await gateway.createUsers([newUser()]);
    if (!result?.ok) throw new Error(`create failed: ${JSON.stringify(result)}`);
    return result.id;
  }

  it('assigns and removes permission set groups by DeveloperName, apart from permission sets, and reads them back', async () => {
    const user = await created();
    await gateway.assignPermissionSets([{ userId: user, add: ['Provisioning_Integration'], remove: [] }]);
    const [added] = await gateway.assignPermissionSetGroups([{ userId: user, add: ['sales_operations'], remove: [] }]);
    expect(added).toEqual({ ok: true, userId: user, before: [], after: ['Sales_Operations'] });
    expect((await gateway.permissionSetGroupsOf([user])).get(user)).toEqual(['Sales_Operations']);
    // A group's assignment row is not a permission set, and a set's row is not a group.
    expect((await gateway.permissionSetsOf([user])).get(user)).toEqual(['Provisioning_Integration']);
    const [removed] = await gateway.assignPermissionSetGroups([
      { userId: user, add: [], remove: ['Sales_Operations'] },
    ]);
    expect(removed).toEqual({ ok: true, userId: user, before: ['Sales_Operations'], after: [] });
    expect(sim.admin.permissionSetGroupsOf(sim.orgId, user)).toEqual([]);
    expect(sim.admin.permissionSetsOf(sim.orgId, user)).toEqual(['Provisioning_Integration']);
  });

  it('reports a group not yet recalculated as SalesforcePermissionSetGroupNotUpdated and an unknown one as SalesforceUnknownPermissionSetGroup', async () => {
    const user = await created();
    const [outdated] = await gateway.assignPermissionSetGroups([{ userId: user, add: ['Service_Agents'], remove: [] }]);
    expect(outdated).toMatchObject({
      ok: false,
      error: { code: 'SalesforcePermissionSetGroupNotUpdated', fields: ['PermissionSetGroupId'] },
      after: [],
    });
    const [unknown] = await gateway.assignPermissionSetGroups([{ userId: user, add: ['No_Such_Group'], remove: [] }]);
    expect(unknown).toMatchObject({
      ok: false,
      error: { code: 'SalesforceUnknownPermissionSetGroup', fields: ['PermissionSetGroups'] },
    });
  });

  it('needs the licence first: a group holding a licensed set is refused without it, assigned with it', async () => {
    const user = await created();
    const [without] = await gateway.assignPermissionSetGroups([{ userId: user, add: ['Console_Agents'], remove: [] }]);
    expect(without).toMatchObject({ ok: false, error: { code: 'SalesforcePermissionSetLicenseRequired' } });
    const [licence] = await gateway.assignPermissionSetLicenses([
      { userId: user, add: ['SalesConsoleUser'], remove: [] },
    ]);
    expect(licence).toEqual({ ok: true, userId: user, before: [], after: ['SalesConsoleUser'] });
    const [withLicence] = await gateway.assignPermissionSetGroups([
      { userId: user, add: ['Console_Agents'], remove: [] },
    ]);
    expect(withLicence).toMatchObject({ ok: true, after: ['Console_Agents'] });
    const [set] = await gateway.assignPermissionSets([{ userId: user, add: ['Sales_Console_Access'], remove: [] }]);
    expect(set).toMatchObject({ ok: true, after: ['Sales_Console_Access'] });
    expect((await gateway.permissionSetLicensesOf([user])).get(user)).toEqual(['SalesConsoleUser']);
  });

  it('makes every kind of change of many users in three calls: their reads, their inserts in step order, their deletes', async () => {
    const users = [await created(), await created()];
    await gateway.assignGroupMemberships(
      users.map((userId) => ({ userId, add: [{ type: 'publicGroup', name: 'Sales_Team' }], remove: [] })),
    );
    const counts = () => sim.admin.requestCounts();
    const before = counts();
    const delta = (route: string) => (counts()[route] ?? 0) - (before[route] ?? 0);
    const used = sim.admin.summary(sim.orgId).apiUsage.used;
    // The group and the set need the licence added by the first step, in the same calls.
    const results = await gateway.assignEntitlements([
      {
        kind: 'permissionSetLicenses',
        changes: users.map((userId) => ({ userId, add: ['SalesConsoleUser'], remove: [] })),
      },
      {
        kind: 'permissionSets',
        changes: users.map((userId) => ({ userId, add: ['Sales_Console_Access'], remove: [] })),
      },
      {
        kind: 'permissionSetGroups',
        changes: users.map((userId) => ({ userId, add: ['Console_Agents'], remove: [] })),
      },
      {
        kind: 'groupMemberships',
        changes: users.map((userId) => ({
          userId,
          add: [],
          remove: [{ type: 'publicGroup' as const, name: 'Sales_Team' }],
        })),
      },
    ]);
    expect(results.flat().every((r) => r.ok)).toBe(true);
    expect(delta('POST /services/data/:version/composite')).toBe(2);
    expect(delta('DELETE /services/data/:version/composite/sobjects')).toBe(1);
    expect(sim.admin.summary(sim.orgId).apiUsage.used - used).toBe(3);
    for (const user of users) {
      expect((await gateway.permissionSetLicensesOf([user])).get(user)).toEqual(['SalesConsoleUser']);
      expect((await gateway.permissionSetGroupsOf([user])).get(user)).toEqual(['Console_Agents']);
      expect((await gateway.groupMembershipsOf([user])).get(user)).toEqual({ publicGroups: [], queues: [] });
    }
    // And back in one go, the licence last: after the set and the group that needed it.
    const back = await gateway.assignEntitlements([
      {
        kind: 'permissionSets',
        changes: users.map((userId) => ({ userId, add: [], remove: ['Sales_Console_Access'] })),
      },
      {
        kind: 'permissionSetGroups',
        changes: users.map((userId) => ({ userId, add: [], remove: ['Console_Agents'] })),
      },
      {
        kind: 'permissionSetLicenses',
        changes: users.map((userId) => ({ userId, add: [], remove: ['SalesConsoleUser'] })),
      },
    ]);
    expect(back.flat().every((r) => r.ok)).toBe(true);
    for (const user of users) expect((await gateway.permissionSetLicensesOf([user])).get(user)).toEqual([]);
  });

  it('counts licences before assigning: users past TotalLicenses fail as SalesforceLicenseLimitExceeded naming the licence, with no insert for them', async () => {
    const [a, b, c] = [await created(), await created(), await created()];
    const inserts = () => sim.admin.requestCounts()['POST /services/data/:version/composite/sobjects'] ?? 0;
    const before = inserts();
    const results = await gateway.assignPermissionSetLicenses([
      { userId: a, add: ['IdentityConnect'], remove: [] },
      { userId: b, add: ['IdentityConnect'], remove: [] },
      { userId: c, add: ['IdentityConnect'], remove: [], newUser: true },
    ]);
    expect(results[0]).toEqual({ ok: true, userId: a, before: [], after: ['IdentityConnect'] });
    for (const r of results.slice(1)) {
      expect(r).toMatchObject({
        ok: false,
        error: { code: 'SalesforceLicenseLimitExceeded', fields: ['PermissionSetLicenses'] },
      });
      if (!r.ok)
        expect(r.error.message).toBe(
          "No permission set licence 'IdentityConnect' (Identity Connect) is left: all 1 are used or given to other users of this change",
        );
    }
    expect(inserts() - before).toBe(1);
    // The licence taken back frees it for the next; taking back reads only the user's rows (no licence list).
    const queries = () => sim.admin.requestCounts()['GET /services/data/:version/query'] ?? 0;
    const beforeRemoval = queries();
    await gateway.assignPermissionSetLicenses([{ userId: a, add: [], remove: ['IdentityConnect'] }]);
    expect(queries() - beforeRemoval).toBe(1);
    const [again] = await gateway.assignPermissionSetLicenses([{ userId: b, add: ['IdentityConnect'], remove: [] }]);
    expect(again).toMatchObject({ ok: true, after: ['IdentityConnect'] });
    expect(sim.admin.permissionSetLicenses(sim.orgId).find((l) => l.developerName === 'IdentityConnect')).toEqual({
      developerName: 'IdentityConnect',
      total: 1,
      used: 1,
    });
  });

  it('counts from the catalogue it keeps, counted down: no licence list read per change, and a fresh one before refusing', async () => {
    const own = passwordGateway(sim);
    try {
      const queries = () => sim.admin.requestCounts()['GET /services/data/:version/query'] ?? 0;
      const licence = () =>
        sim.admin.permissionSetLicenses(sim.orgId).find((l) => l.developerName === 'SalesConsoleUser');
      const left = (licence()?.total ?? 0) - (licence()?.used ?? 0);
      expect(left).toBeGreaterThanOrEqual(2);
      const users: string[] = [];
      for (let i = 0; i < left + 1; i++) users.push(await created());
      const assign = (userId: string) =>
        own.assignPermissionSetLicenses([{ userId, add: ['SalesConsoleUser'], remove: [], newUser: true }]);

      // The first change reads the list; the next ones count down what is kept.
      let before = queries();
      const [first] = await assign(users[0] as string);
      expect(first).toMatchObject({ ok: true });
      expect(queries() - before).toBe(1);
      before = queries();
      for (const user of users.slice(1, left)) expect((await assign(user))[0]).toMatchObject({ ok: true });
      expect(queries() - before).toBe(0);

      // None left by the count: the list is read afresh before the refusal, which names the licence.
      before = queries();
      const [refused] = await assign(users[left] as string);
      expect(refused).toMatchObject({ ok: false, error: { code: 'SalesforceLicenseLimitExceeded' } });
      expect(queries() - before).toBe(1);

      // Freed in Salesforce since: kept counts say none, the fresh read says one, and it is given.
      await own.assignPermissionSetLicenses([{ userId: users[0] as string, add: [], remove: ['SalesConsoleUser'] }]);
      const [given] = await assign(users[left] as string);
      expect(given).toMatchObject({ ok: true, after: ['SalesConsoleUser'] });
      expect(licence()?.used).toBe(licence()?.total);
    } finally {
      await own.close();
    }
  });

  it('previews in dry run: reads, counts, writes nothing', async () => {
    const user = await created();
    const [preview] = await gateway.assignPermissionSetGroups(
      [{ userId: user, add: ['Sales_Operations'], remove: [] }],
      {
        dryRun: true,
      },
    );
    expect(preview).toEqual({ ok: true, userId: user, before: [], after: ['Sales_Operations'] });
    expect(sim.admin.permissionSetGroupsOf(sim.orgId, user)).toEqual([]);
  });
});
