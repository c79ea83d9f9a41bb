import { InMemorySalesforceGateway, salesforceError } from '@provision/salesforce';
import { describe, expect, it } from 'vitest';
import { writeBatch } from '../domain/batch-writer.ts';
import { SalesforceCallError } from '../domain/errors.ts';
import { aCommand } from '../testing/commands.ts';
import { CountingBudget, InMemoryLinkStore, VirtualClock } from '../testing/in-memory-stores.ts';
import { GatewayDirectory } from './salesforce-directory.ts';

function setup(options: { takenUsernames?: string[]; freezeOnDisable?: boolean } = {}) {
  const gateway = new InMemorySalesforceGateway({
    takenUsernames: options.takenUsernames ?? [],
    profiles: [
      { name: 'Standard User', licence: 'Salesforce', total: 2 },
      { name: 'Chatter Free User', licence: 'Chatter Free', total: 100 },
    ],
  });
  const budget = new CountingBudget();
  const directory = new GatewayDirectory(gateway, {
    budget,
    ...(options.freezeOnDisable ? { freezeOnDisable: true } : {}),
  });
  const deps = { directory, links: new InMemoryLinkStore(), budget, clock: new VirtualClock(), random: () => 0 };
  return { gateway, directory, budget, deps };
}

describe('GatewayDirectory', () => {
  it('creates users with a profile name and reads the profile name back for the diff', async () => {
    const { gateway, deps } = setup();
    const [created] = await writeBatch([aCommand({ n: 1 })], deps);
    expect(created).toMatchObject({ status: 'success', linkedBy: 'created' });
    const id = created?.salesforceId as string;
    expect(gateway.users.get(id)).toMatchObject({
      Username: 'user1@contoso.com',
      ProfileId: expect.stringMatching(/^00e/),
    });

    const [changed] = await writeBatch(
      [aCommand({ n: 1, action: 'update', fields: { ProfileName: 'Chatter Free User', LastName: 'Number1' } })],
      deps,
    );
    expect(changed).toMatchObject({
      status: 'success',
      linkedBy: 'link',
      modifiedProperties: [{ name: 'ProfileName', oldValue: 'Standard User', newValue: 'Chatter Free User' }],
    });
  });

  it('writes the role by name, reads it back for the diff, and assigns permission sets through the gateway', async () => {
    const { gateway, deps } = setup();
    const base = aCommand({ n: 30 });
    const [created] = await writeBatch(
      [
        {
          ...base,
          fields: { ...base.fields, UserRoleName: 'Sales Rep' },
          permissionSets: { add: ['Sales_Cloud_User'], remove: [] },
        },
      ],
      deps,
    );
    expect(created).toMatchObject({ status: 'success', linkedBy: 'created', error: null });
    const id = created?.salesforceId as string;
    expect(gateway.users.get(id)).toMatchObject({ UserRoleId: expect.stringMatching(/^00E/) });
    expect(gateway.assignments.get(id)).toEqual(new Set(['Sales_Cloud_User']));

    const [same] = await writeBatch(
      [aCommand({ n: 30, action: 'update', fields: { UserRoleName: 'Sales Rep' } })],
      deps,
    );
    expect(same).toMatchObject({ status: 'success', modifiedProperties: [] });
    const [cleared] = await writeBatch(
      [
        {
          ...aCommand({ n: 30, action: 'update', fields: { UserRoleName: null } }),
          permissionSets: { add: [], remove: ['Sales_Cloud_User'] },
        },
      ],
      deps,
    );
    expect(cleared?.modifiedProperties).toEqual([
      { name: 'UserRoleName', oldValue: 'Sales Rep', newValue: null },
      { name: 'PermissionSets', oldValue: ['Sales_Cloud_User'], newValue: [] },
    ]);
    expect(gateway.users.get(id)?.['UserRoleId']).toBeNull();
    const [unknown] = await writeBatch(
      [aCommand({ n: 30, action: 'update', fields: { UserRoleName: 'Nobody' } })],
      deps,
    );
    expect(unknown).toMatchObject({
      status: 'failure',
      error: { code: 'SalesforceUnknownRole', fields: ['UserRoleName'] },
    });
  });

  it('classifies a username taken in another org and a spent licence as the Entra codes', async () => {
    const { deps } = setup({ takenUsernames: ['user2@contoso.com'] });
    const results = await writeBatch(
      [aCommand({ n: 2 }), aCommand({ n: 3 }), aCommand({ n: 4 }), aCommand({ n: 5 })],
      deps,
    );
    expect(results.map((r) => r.error?.code ?? r.status)).toEqual([
      'SalesforceDuplicateUserName',
      'success',
      'success',
      'SalesforceLicenseLimitExceeded',
    ]);
    expect(results[3]?.error?.recommendedAction).toMatch(/licence/);
  });

  it('throws a job-level call error when the gateway reports an auth failure on every record', async () => {
    const { gateway, directory } = setup();
    gateway.failNext('createUsers', salesforceError('SalesforceAuthenticationFailed', 'INVALID_LOGIN: bad password'));
    const error = await directory.createUsers([aCommand().fields, aCommand().fields]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceCallError);
    expect(error).toMatchObject({ jobLevel: true, failure: { code: 'SalesforceAuthenticationFailed' } });
  });

  it('throws a retriable call error for a network failure of a query', async () => {
    const { gateway, directory } = setup();
    gateway.failNext('findUsers', salesforceError('SalesforceNetworkError', 'socket hang up'));
    const error = await directory.findUsers('Username', ['a@b.c'], ['Username']).catch((e: unknown) => e);
    expect(error).toMatchObject({ jobLevel: false, failure: { code: 'SalesforceNetworkError', retriable: true } });
  });

  it('charges the budget for the extra requests a call made (the profile list before the first create)', async () => {
    const { budget, directory, gateway } = setup();
    await directory.createUsers([aCommand().fields]);
    expect(gateway.callLog).toEqual(['createUsers']);
    expect(budget.spent).toBe(0);
  });

  it('deactivates through the gateway with a freeze when asked', async () => {
    const { gateway, deps } = setup({ freezeOnDisable: true });
    const [created] = await writeBatch([aCommand({ n: 6 })], deps);
    const [disabled] = await writeBatch([aCommand({ n: 6, action: 'disable', fields: {} })], deps);
    expect(disabled?.status).toBe('success');
    expect(gateway.users.get(created?.salesforceId as string)).toMatchObject({ IsActive: false, IsFrozen: true });
    expect(gateway.callLog).toContain('deactivateUsers');
  });
});
