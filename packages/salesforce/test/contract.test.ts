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

  it('reports a working connection', async () => {
    expect(await make().testConnection()).toMatchObject({ ok: true, missing: [] });
  });
});
