import type { SalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySalesforceGateway, type SalesforceGateway } from '../src/index.ts';
import { newUser, passwordGateway, startSim } from './helpers.ts';

// The same behaviour from the fake and from the real adapter against the simulator, so that the
// writer's unit tests on the fake mean something.
let sim: SalesforceSim;
beforeAll(async () => {
  sim = await startSim({
    org: {
      licences: [
        { name: 'Salesforce', total: 3 },
        { name: 'Chatter Free', total: 1000 },
      ],
      profiles: [
        { name: 'System Administrator', licence: 'Salesforce', permissions: { ApiEnabled: true, ManageUsers: true } },
        { name: 'Standard User', licence: 'Salesforce', permissions: { ApiEnabled: true } },
        { name: 'Chatter Free User', licence: 'Chatter Free', permissions: { ApiEnabled: true } },
      ],
    },
  });
});
afterAll(async () => {
  await sim.close();
});

describe.each([
  [
    'InMemorySalesforceGateway',
    () =>
      new InMemorySalesforceGateway({
        profiles: [
          { name: 'System Administrator', licence: 'Salesforce', total: 3 },
          { name: 'Standard User', licence: 'Salesforce', total: 3 },
          { name: 'Chatter Free User', licence: 'Chatter Free', total: 1000 },
        ],
        permissionSetLicenses: { SalesConsoleUser: 3, IdentityConnect: 1 },
      }),
  ],
  ['JsforceSalesforceGateway', () => passwordGateway(sim)],
])('SalesforceGateway contract: %s', (_name, make: () => SalesforceGateway) => {
  it('creates, finds, updates and deactivates a user', async () => {
    const gateway = make();
    const record = newUser();
    const [created] = await gateway.createUsers([record]);
    expect(created).toMatchObject({ ok: true, id: expect.stringMatching(/^005/) });
    const id = created!.ok ? created!.id : '';
    const [found] = await gateway.findUsers('Username', [String(record['Username']).toUpperCase()]);
    expect(found).toMatchObject({ id, isActive: true, profileName: 'Chatter Free User' });
    expect(await gateway.updateUsers([{ Id: id, Title: 'Analyst' }])).toEqual([{ ok: true, id }]);
    expect(await gateway.deactivateUsers([id])).toEqual([{ ok: true, id }]);
    const [after] = await gateway.findUsers('Username', [String(record['Username'])]);
    expect(after).toMatchObject({ isActive: false, fields: { Title: 'Analyst' } });
  });

  it('freezes and unfreezes a login without touching IsActive, and reports a user it cannot find', async () => {
    const gateway = make();
    const [created] = await gateway.createUsers([newUser()]);
    const id = created!.ok ? created!.id : '';
    expect(await gateway.freezeUsers([id], true)).toEqual([{ ok: true, id }]);
    expect(await gateway.freezeUsers([id], false)).toEqual([{ ok: true, id }]);
    const [found] = await gateway.findUsers('Id', [id]);
    expect(found).toMatchObject({ isActive: true });
    const missing = '005000000000999AAA';
    expect(await gateway.freezeUsers([missing], true)).toEqual([
      expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'SalesforceRecordNotFound' }) }),
    ]);
  });

  it('fails single records with the Entra codes and keeps the others', async () => {
    const gateway = make();
    const first = newUser();
    const results = await gateway.createUsers([
      first,
      { ...newUser(), Username: first['Username'] },
      newUser({ Alias: '' }),
      newUser({ ProfileName: 'Nope' }),
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'ok',
      'SalesforceDuplicateUserName',
      'SalesforceRequiredFieldMissing',
      'SalesforceUnknownProfile',
    ]);
  });

  it('refuses users past the licence count and frees licences on deactivation', async () => {
    const gateway = make();
    const profile = async () => (await gateway.listProfiles()).find((p) => p.name === 'Standard User')!;
    const free = (await profile()).licencesRemaining;
    const records = Array.from({ length: free + 1 }, () => newUser({ ProfileName: 'Standard User' }));
    const results = await gateway.createUsers(records);
    expect(results.at(-1)).toMatchObject({
      ok: false,
      error: { code: 'SalesforceLicenseLimitExceeded', retriable: false },
    });
    expect((await profile()).licencesRemaining).toBe(0);
    const first = results[0]!;
    await gateway.deactivateUsers([first.ok ? first.id : '']);
    expect((await profile()).licencesRemaining).toBe(1);
  });

  it('resolves role names and adds, keeps and removes permission sets by name', async () => {
    const gateway = make();
    const [created] = await gateway.createUsers([newUser({ UserRoleName: 'Sales Rep' })]);
    const id = created?.ok ? created.id : '';
    const [found] = await gateway.findUsers('Id', [id], { fields: ['UserRole.Name'] });
    expect(found?.fields['UserRole.Name']).toBe('Sales Rep');
    const [unknownRole] = await gateway.updateUsers([{ Id: id, UserRoleName: 'Nobody' }]);
    expect(unknownRole).toMatchObject({ ok: false, error: { code: 'SalesforceUnknownRole' } });

    const add = { userId: id, add: ['Provisioning_Integration'], remove: [] };
    expect(await gateway.assignPermissionSets([add])).toEqual([
      { ok: true, userId: id, before: [], after: ['Provisioning_Integration'] },
    ]);
    expect(await gateway.assignPermissionSets([add])).toEqual([
      { ok: true, userId: id, before: ['Provisioning_Integration'], after: ['Provisioning_Integration'] },
    ]);
    const [unknownSet] = await gateway.assignPermissionSets([{ userId: id, add: ['No_Such_Set'], remove: [] }]);
    expect(unknownSet).toMatchObject({ ok: false, error: { code: 'SalesforceUnknownPermissionSet' } });
    expect(await gateway.assignPermissionSets([{ userId: id, add: [], remove: ['Provisioning_Integration'] }])).toEqual(
      [{ ok: true, userId: id, before: ['Provisioning_Integration'], after: [] }],
    );
  });

  it('joins and leaves public groups and queues by DeveloperName, and reads them back', async () => {
    const gateway = make();
    const [created] = await gateway.createUsers([newUser()]);
    const id = created!.ok ? created!.id : '';
    const [joined] = await gateway.assignGroupMemberships([
      {
        userId: id,
        add: [
          { type: 'publicGroup', name: 'sales_team' },
          { type: 'queue', name: 'Leads_Queue' },
        ],
        remove: [],
      },
    ]);
    expect(joined).toEqual({
      ok: true,
      userId: id,
      before: { publicGroups: [], queues: [] },
      after: { publicGroups: ['Sales_Team'], queues: ['Leads_Queue'] },
    });
    const [left] = await gateway.assignGroupMemberships([
      { userId: id, add: [], remove: [{ type: 'queue', name: 'Leads_Queue' }] },
    ]);
    expect(left).toMatchObject({ ok: true, after: { publicGroups: ['Sales_Team'], queues: [] } });
    expect((await gateway.groupMembershipsOf([id])).get(id)).toEqual({ publicGroups: ['Sales_Team'], queues: [] });
    const [unknown] = await gateway.assignGroupMemberships([
      { userId: id, add: [{ type: 'queue', name: 'Nope' }], remove: [] },
    ]);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'SalesforceUnknownGroup', fields: ['Queues'] } });
  });

  it('assigns, reads and removes permission set groups by DeveloperName; an unknown one is SalesforceUnknownPermissionSetGroup', async () => {
    const gateway = make();
    const [created] = await gateway.createUsers([newUser()]);
    const id = created!.ok ? created!.id : '';
    expect(
      await gateway.assignPermissionSetGroups([{ userId: id, add: ['SALES_OPERATIONS', 'Nope'], remove: [] }]),
    ).toEqual([
      expect.objectContaining({
        ok: false,
        after: ['Sales_Operations'],
        error: expect.objectContaining({
          code: 'SalesforceUnknownPermissionSetGroup',
          fields: ['PermissionSetGroups'],
        }),
      }),
    ]);
    expect((await gateway.permissionSetGroupsOf([id])).get(id)).toEqual(['Sales_Operations']);
    expect((await gateway.permissionSetsOf([id])).get(id)).toEqual([]);
    expect(await gateway.assignPermissionSetGroups([{ userId: id, add: [], remove: ['Sales_Operations'] }])).toEqual([
      { ok: true, userId: id, before: ['Sales_Operations'], after: [] },
    ]);
  });

  it('assigns permission set licences while some are left, and fails the user past the count as SalesforceLicenseLimitExceeded', async () => {
    const gateway = make();
    const ids: string[] = [];
    for (const record of [newUser(), newUser()]) {
      const [created] = await gateway.createUsers([record]);
      ids.push(created!.ok ? created!.id : '');
    }
    const results = await gateway.assignPermissionSetLicenses(
      ids.map((userId) => ({ userId, add: ['IdentityConnect'], remove: [] })),
    );
    expect(results[0]).toEqual({ ok: true, userId: ids[0], before: [], after: ['IdentityConnect'] });
    expect(results[1]).toMatchObject({
      ok: false,
      error: { code: 'SalesforceLicenseLimitExceeded', fields: ['PermissionSetLicenses'] },
    });
    if (!results[1]!.ok) expect(results[1]!.error.message).toContain("'IdentityConnect'");
    expect((await gateway.permissionSetLicensesOf(ids)).get(ids[0]!)).toEqual(['IdentityConnect']);
    // Taken back, the licence is free again.
    await gateway.assignPermissionSetLicenses([{ userId: ids[0]!, add: [], remove: ['IdentityConnect'] }]);
    expect(
      await gateway.assignPermissionSetLicenses([{ userId: ids[1]!, add: ['IdentityConnect'], remove: [] }]),
    ).toEqual([{ ok: true, userId: ids[1], before: [], after: ['IdentityConnect'] }]);
  });

  it('makes several kinds of entitlement change at once, each step as its own method would, one result list per step', async () => {
    const gateway = make();
    const ids: string[] = [];
    for (const record of [newUser(), newUser()]) {
      const [created] = await gateway.createUsers([record]);
      ids.push(created!.ok ? created!.id : '');
    }
    const [a, b] = ids as [string, string];
    await gateway.assignPermissionSets([{ userId: b, add: ['Provisioning_Integration'], remove: [] }]);
    const results = await gateway.assignEntitlements!([
      { kind: 'permissionSetLicenses', changes: [{ userId: a, add: ['SalesConsoleUser'], remove: [] }] },
      {
        kind: 'permissionSets',
        changes: [
          { userId: a, add: ['Provisioning_Integration', 'No_Such_Set'], remove: [] },
          { userId: b, add: [], remove: ['Provisioning_Integration'] },
        ],
      },
      { kind: 'permissionSetGroups', changes: [{ userId: b, add: ['Sales_Operations'], remove: [] }] },
      {
        kind: 'groupMemberships',
        changes: [{ userId: a, add: [{ type: 'publicGroup', name: 'Sales_Team' }], remove: [] }],
      },
    ]);
    expect(results).toEqual([
      [{ ok: true, userId: a, before: [], after: ['SalesConsoleUser'] }],
      [
        expect.objectContaining({
          ok: false,
          userId: a,
          after: ['Provisioning_Integration'],
          error: expect.objectContaining({ code: 'SalesforceUnknownPermissionSet' }),
        }),
        { ok: true, userId: b, before: ['Provisioning_Integration'], after: [] },
      ],
      [{ ok: true, userId: b, before: [], after: ['Sales_Operations'] }],
      [
        {
          ok: true,
          userId: a,
          before: { publicGroups: [], queues: [] },
          after: { publicGroups: ['Sales_Team'], queues: [] },
        },
      ],
    ]);
    expect((await gateway.permissionSetsOf(ids)).get(a)).toEqual(['Provisioning_Integration']);
    expect((await gateway.permissionSetsOf(ids)).get(b)).toEqual([]);
    expect((await gateway.permissionSetGroupsOf([b])).get(b)).toEqual(['Sales_Operations']);
    expect((await gateway.permissionSetLicensesOf([a])).get(a)).toEqual(['SalesConsoleUser']);
    expect((await gateway.groupMembershipsOf([a])).get(a)).toEqual({ publicGroups: ['Sales_Team'], queues: [] });
    // Taken back in one go: the licence last.
    const back = await gateway.assignEntitlements!([
      { kind: 'permissionSets', changes: [{ userId: a, add: [], remove: ['Provisioning_Integration'] }] },
      { kind: 'permissionSetLicenses', changes: [{ userId: a, add: [], remove: ['SalesConsoleUser'] }] },
    ]);
    expect(back.flat().every((r) => r.ok)).toBe(true);
    expect((await gateway.permissionSetLicensesOf([a])).get(a)).toEqual([]);
  });

  it('reports a working connection', async () => {
    expect(await make().testConnection()).toMatchObject({ ok: true, missing: [] });
  });
});
