import { ProvisioningResultV1 } from '@provision/events';
import { describe, expect, it } from 'vitest';
import { aCommand } from '../testing/commands.ts';
import { InMemorySalesforceDirectory } from '../testing/in-memory-directory.ts';
import { CountingBudget, InMemoryLinkStore, VirtualClock } from '../testing/in-memory-stores.ts';
import { JobHaltedError, writeBatch } from './batch-writer.ts';
import { SalesforceCallError } from './errors.ts';

/** A directory that takes several lookups in one call (the gateway's Composite call of queries). */
class LookupsTogetherDirectory extends InMemorySalesforceDirectory {
  async findUsersEach(
    lookups: readonly { readonly attribute: string; readonly values: readonly string[] }[],
    fields: readonly string[],
  ) {
    this.calls.push({ operation: 'query', size: lookups.reduce((n, l) => n + l.values.length, 0) });
    return lookups.map((l) => this.usersWhere(l.attribute, l.values, fields));
  }
}

function setupWith(options: { dryRun?: boolean; directory?: InMemorySalesforceDirectory } = {}) {
  const { directory = new InMemorySalesforceDirectory(), ...rest } = options;
  const links = new InMemoryLinkStore();
  const budget = new CountingBudget();
  const clock = new VirtualClock();
  const deps = { directory, links, budget, clock, random: () => 0, ...rest };
  return { directory, links, budget, clock, deps };
}

const setup = (options: { dryRun?: boolean } = {}) => setupWith(options);

describe('writeBatch', () => {
  it('creates 1,450 new users with one query and two create calls of at most 1,000, and links them', async () => {
    const { directory, links, budget, deps } = setup();
    const commands = Array.from({ length: 1450 }, () => aCommand());
    const results = await writeBatch(commands, { ...deps, valuesPerQuery: 2000 });

    expect(directory.calls).toEqual([
      { operation: 'query', size: 1450 },
      { operation: 'create', size: 1000 },
      { operation: 'create', size: 450 },
    ]);
    expect(budget.spent).toBe(3);
    expect(directory.users.size).toBe(1450);
    expect(results.map((r) => [r.status, r.linkedBy])).toEqual(commands.map(() => ['success', 'created']));
    expect(results.map((r) => r.commandId)).toEqual(commands.map((c) => c.commandId));
    for (const r of results) expect(links.links.get(r.userId)).toBe(r.salesforceId);
    expect(() => results.map((r) => ProvisioningResultV1.parse(r))).not.toThrow();
  });

  it('turns a create for an existing user into an update of only the fields that differ (linkedBy matched)', async () => {
    const { directory, links, deps } = setup();
    const command = aCommand({ n: 7 });
    const id = directory.seed({
      ...command.fields,
      Username: 'USER7@contoso.com',
      Title: 'x',
      LastName: 'Old',
      IsActive: false,
    });
    const [result] = await writeBatch([command], deps);

    expect(result).toMatchObject({ status: 'success', linkedBy: 'matched', salesforceId: id, error: null });
    expect(result?.modifiedProperties).toEqual([
      { name: 'LastName', oldValue: 'Old', newValue: 'Number7' },
      { name: 'IsActive', oldValue: false, newValue: true },
    ]);
    expect(directory.count('create')).toBe(0);
    expect(directory.users.get(id)).toMatchObject({ LastName: 'Number7', IsActive: true });
    expect(links.links.get('entra-7')).toBe(id);
  });

  it('writes nothing when Salesforce already holds the desired state', async () => {
    const { directory, deps } = setup();
    const command = aCommand({ n: 8 });
    directory.seed({ ...command.fields, UserPermissionsMarketingUser: false });
    const [result] = await writeBatch(
      [{ ...command, fields: { ...command.fields, UserPermissionsMarketingUser: 'False' } }],
      deps,
    );
    expect(result).toMatchObject({ status: 'success', linkedBy: 'matched', modifiedProperties: [] });
    expect(directory.count('update')).toBe(0);
  });

  it('finds a linked user by its stored link, even after its Username changed', async () => {
    const { directory, links, deps } = setup();
    const id = directory.seed({ Username: 'old@contoso.com', LastName: 'A', IsActive: true });
    links.links.set('entra-9', id);
    const command = aCommand({
      n: 9,
      action: 'update',
      fields: { Username: 'new@contoso.com' },
      matching: { attribute: 'Username', value: 'new@contoso.com' },
    });
    const [result] = await writeBatch([command], deps);
    expect(result).toMatchObject({ status: 'success', linkedBy: 'link', salesforceId: id });
    expect(result?.modifiedProperties).toEqual([
      { name: 'Username', oldValue: 'old@contoso.com', newValue: 'new@contoso.com' },
    ]);
    expect(directory.calls.map((c) => c.operation)).toEqual(['query', 'update']);
  });

  it('finds a user whose Username changed while its link was lost, by the old Username', async () => {
    const { directory, deps } = setup();
    const id = directory.seed({ ...aCommand({ n: 95 }).fields });
    const renamed = aCommand({
      n: 96,
      userId: 'entra-95',
      action: 'reactivate',
      modifiedProperties: [{ name: 'Username', oldValue: 'user95@contoso.com', newValue: 'user96@contoso.com' }],
    });
    const [result] = await writeBatch([renamed], deps);
    expect(result).toMatchObject({ status: 'success', linkedBy: 'matched', salesforceId: id });
    expect(directory.users.size).toBe(1);
    expect(directory.users.get(id)?.['Username']).toBe('user96@contoso.com');
  });

  describe.each([
    ['one lookup a call', () => new InMemorySalesforceDirectory()],
    ['lookups together', () => new LookupsTogetherDirectory()],
  ])('with a durable link field (%s)', (_name, directoryOf) => {
    const link = (n: number) => ({ field: 'EntraObjectId__c', value: `entra-${n}` });
    const setup = () => setupWith({ directory: directoryOf() });

    it('finds a user renamed while Redis was lost by the Entra object id it carries, and links it again', async () => {
      const { directory, links, deps } = setup();
      const id = directory.seed({ ...aCommand({ n: 70 }).fields, EntraObjectId__c: 'entra-70' });
      // A create (the mapper forgot too) with the new Username and no previous value to fall back on.
      const command = aCommand({
        n: 70,
        action: 'create',
        fields: { ...aCommand({ n: 70 }).fields, Username: 'renamed70@contoso.com', EntraObjectId__c: 'entra-70' },
        matching: { attribute: 'Username', value: 'renamed70@contoso.com' },
        link: link(70),
      });
      const [result] = await writeBatch([command], deps);
      expect(result).toMatchObject({ status: 'success', linkedBy: 'link', salesforceId: id });
      expect(directory.users.size).toBe(1);
      expect(directory.users.get(id)?.['Username']).toBe('renamed70@contoso.com');
      expect(links.links.get('entra-70')).toBe(id);
    });

    it('writes the link on a user it matches by Username', async () => {
      const { directory, deps } = setup();
      const id = directory.seed({ ...aCommand({ n: 71 }).fields });
      const command = aCommand({
        n: 71,
        action: 'create',
        fields: { ...aCommand({ n: 71 }).fields, EntraObjectId__c: 'entra-71' },
        link: link(71),
      });
      const [result] = await writeBatch([command], deps);
      expect(result).toMatchObject({ status: 'success', linkedBy: 'matched', salesforceId: id });
      expect(directory.users.get(id)?.['EntraObjectId__c']).toBe('entra-71');
    });

    it('disables linkedOnly the user that carries the link, and never one the Username alone finds', async () => {
      const { directory, deps } = setup();
      const provisioned = directory.seed({
        ...aCommand({ n: 72 }).fields,
        EntraObjectId__c: 'entra-72',
        IsActive: true,
      });
      const preexisting = directory.seed({ ...aCommand({ n: 73 }).fields, IsActive: true });
      const disable = (n: number) =>
        aCommand({ n, action: 'disable', fields: { IsActive: false }, link: link(n), linkedOnly: true });
      const [found, notFound] = await writeBatch([disable(72), disable(73)], deps);
      expect(found).toMatchObject({ status: 'success', linkedBy: 'link', salesforceId: provisioned });
      expect(directory.users.get(provisioned)?.['IsActive']).toBe(false);
      expect(notFound).toMatchObject({ status: 'skipped', error: { code: 'SalesforceUserNotFound' } });
      expect(notFound?.error?.message).toContain('EntraObjectId__c');
      expect(directory.users.get(preexisting)?.['IsActive']).toBe(true);
    });

    it('finds by the link field, matches by Username, and creates, looking the users up together when it can', async () => {
      const { directory, links, deps } = setup();
      const carried = directory.seed({ ...aCommand({ n: 74 }).fields, EntraObjectId__c: 'entra-74' });
      const matched = directory.seed({ ...aCommand({ n: 75 }).fields });
      const create = (n: number, username = `user${n}@contoso.com`) =>
        aCommand({
          n,
          action: 'create',
          fields: { ...aCommand({ n }).fields, Username: username, EntraObjectId__c: `entra-${n}` },
          matching: { attribute: 'Username', value: username },
          link: link(n),
        });
      const results = await writeBatch([create(74, 'renamed74@contoso.com'), create(75), create(76)], deps);
      expect(results.map((r) => [r.status, r.linkedBy])).toEqual([
        ['success', 'link'],
        ['success', 'matched'],
        ['success', 'created'],
      ]);
      expect(results.map((r) => r.salesforceId).slice(0, 2)).toEqual([carried, matched]);
      expect(directory.users.size).toBe(3);
      expect([...links.links.keys()].sort()).toEqual(['entra-74', 'entra-75', 'entra-76']);
      // The link field's lookup and the Username's: one call when the directory takes them together.
      expect(directory.count('query')).toBe(directory instanceof LookupsTogetherDirectory ? 1 : 2);
    });
  });

  it('disables and reactivates through IsActive', async () => {
    const { directory, links, deps } = setup();
    const id = directory.seed({ Username: 'user10@contoso.com', LastName: 'A', IsActive: true });
    links.links.set('entra-10', id);
    const [disabled] = await writeBatch([aCommand({ n: 10, action: 'disable', fields: {} })], deps);
    expect(disabled).toMatchObject({
      status: 'success',
      modifiedProperties: [{ name: 'IsActive', oldValue: true, newValue: false }],
    });
    expect(directory.users.get(id)?.['IsActive']).toBe(false);
    const [reactivated] = await writeBatch(
      [aCommand({ n: 10, action: 'reactivate', fields: { LastName: 'B' } })],
      deps,
    );
    expect(reactivated?.status).toBe('success');
    expect(directory.users.get(id)).toMatchObject({ IsActive: true, LastName: 'B' });
  });

  it('skips an update or disable for a user Salesforce does not have, and creates when the update carries every required field', async () => {
    const { directory, deps } = setup();
    const results = await writeBatch(
      [
        aCommand({ n: 11, action: 'update', fields: { LastName: 'X' } }),
        aCommand({ n: 12, action: 'disable', fields: { IsActive: false } }),
        aCommand({ n: 13, action: 'update' }),
      ],
      deps,
    );
    expect(results.map((r) => [r.status, r.error?.code ?? null, r.linkedBy])).toEqual([
      ['skipped', 'SalesforceUserNotFound', 'none'],
      ['skipped', 'SalesforceUserNotFound', 'none'],
      ['success', null, 'created'],
    ]);
    expect(results[0]?.error?.recommendedAction).toMatch(/full sync/);
    expect(directory.users.size).toBe(1);
  });

  it('creates the user of an update whose create failed before it (it carries createFields), and matches rather than duplicates', async () => {
    const { directory, deps } = setup();
    const full = aCommand({ n: 14 }).fields;
    const update = aCommand({
      n: 14,
      action: 'update',
      fields: { LastName: 'Renamed', Username: full['Username']! },
      createFields: { ...full },
    });
    const [created] = await writeBatch([update], deps);
    expect(created).toMatchObject({ status: 'success', linkedBy: 'created', error: null });
    expect([...directory.users.values()]).toEqual([expect.objectContaining({ LastName: 'Renamed', IsActive: true })]);
    // Redelivered (the offset was not committed): found by its link, never created twice.
    const [again] = await writeBatch([update], deps);
    expect(again).toMatchObject({ status: 'success', linkedBy: 'link', modifiedProperties: [] });
    expect(directory.users.size).toBe(1);
  });

  it('answers skip commands with their reasons and no Salesforce call', async () => {
    const { directory, budget, deps } = setup();
    const [result] = await writeBatch(
      [aCommand({ action: 'skip', reasons: [{ code: 'role-conflict', message: 'two roles' }] })],
      deps,
    );
    expect(result).toMatchObject({
      status: 'skipped',
      error: { code: 'EntrySynchronizationSkipped', message: 'role-conflict: two roles' },
    });
    expect(directory.calls).toEqual([]);
    expect(budget.spent).toBe(0);
  });

  it('classifies refusals per record: duplicate username elsewhere, licence limit, with a recommended action', async () => {
    const { directory, deps } = setup();
    directory.takenElsewhere.add('user21@contoso.com');
    directory.licenceLimit = 1;
    const results = await writeBatch([aCommand({ n: 20 }), aCommand({ n: 21 }), aCommand({ n: 22 })], deps);
    expect(results.map((r) => [r.status, r.error?.code ?? null])).toEqual([
      ['success', null],
      ['failure', 'SalesforceDuplicateUserName'],
      ['failure', 'SalesforceLicenseLimitExceeded'],
    ]);
    expect(results[1]?.error).toMatchObject({
      retriable: false,
      fields: ['Username'],
      recommendedAction: expect.stringMatching(/unique across all Salesforce orgs/),
    });
    expect(directory.count('create')).toBe(1);
  });

  it('creates a user whose username another org holds with the usernameCollision suffix, a warning saying so, and then keeps it', async () => {
    const { directory, links, deps } = setup();
    const suffixed = { ...deps, usernameSuffix: '.acme' };
    directory.takenElsewhere.add('user21@contoso.com');
    const results = await writeBatch([aCommand({ n: 20 }), aCommand({ n: 21 })], suffixed);
    expect(results.map((r) => [r.status, r.error?.code ?? null])).toEqual([
      ['success', null],
      ['warning', 'SalesforceUsernameSuffixed'],
    ]);
    expect(results[1]?.error?.message).toContain('user21@contoso.com.acme');
    expect(results[1]?.modifiedProperties).toContainEqual({ name: 'Username', newValue: 'user21@contoso.com.acme' });
    const created = [...directory.users.values()].map((u) => u['Username']).sort();
    expect(created).toEqual(['user20@contoso.com', 'user21@contoso.com.acme']);
    expect(directory.calls.filter((c) => c.operation === 'create').map((c) => c.size)).toEqual([2, 1]);

    // The next change finds the suffixed user, by link or (link lost) by the suffixed username, and
    // does not try to take the plain username back.
    links.links.clear();
    const again = await writeBatch([aCommand({ n: 21, action: 'update', fields: { Title: 'Engineer' } })], suffixed);
    expect(again[0]).toMatchObject({ status: 'success', linkedBy: 'matched', salesforceId: results[1]?.salesforceId });
    expect(again[0]?.modifiedProperties.map((m) => m.name)).toEqual(['Title']);
    expect(directory.users.size).toBe(2);
  });

  it('fails a username another org holds as before when no suffix is configured, or when it is already suffixed', async () => {
    const { directory, deps } = setup();
    directory.takenElsewhere.add('user21@contoso.com.acme');
    const command = aCommand({ n: 21 });
    const taken = { ...command, fields: { ...command.fields, Username: 'user21@contoso.com.acme' } };
    const results = await writeBatch([taken], { ...deps, usernameSuffix: '.acme' });
    expect(results[0]?.error?.code).toBe('SalesforceDuplicateUserName');
    expect(directory.count('create')).toBe(1);
  });

  it('previews in dry run: no write, status skipped, the matched Id and the diff against the real record', async () => {
    const { directory, links, deps } = setup({ dryRun: true });
    const existing = aCommand({ n: 30 });
    const id = directory.seed({ ...existing.fields, LastName: 'Before' });
    const results = await writeBatch([existing, aCommand({ n: 31 })], deps);
    expect(results[0]).toMatchObject({
      status: 'skipped',
      dryRun: true,
      salesforceId: id,
      linkedBy: 'matched',
      modifiedProperties: [{ name: 'LastName', oldValue: 'Before', newValue: 'Number30' }],
    });
    expect(results[1]).toMatchObject({ status: 'skipped', dryRun: true, salesforceId: null, linkedBy: 'none' });
    expect(results[1]?.modifiedProperties.length).toBeGreaterThan(5);
    expect(directory.calls.map((c) => c.operation)).toEqual(['query']);
    expect(directory.users.get(id)?.['LastName']).toBe('Before');
    expect(links.links.size).toBe(0);
  });

  it('never creates a second user when the create answer is lost: the retry finds it by Username', async () => {
    const { directory, deps, clock } = setup();
    directory.loseNextAnswer('create');
    const commands = [aCommand({ n: 40 }), aCommand({ n: 41 })];
    const results = await writeBatch(commands, deps);
    expect(directory.users.size).toBe(2);
    expect(results.map((r) => [r.status, r.linkedBy, r.attempt])).toEqual([
      ['success', 'matched', 2],
      ['success', 'matched', 2],
    ]);
    expect(clock.sleeps).toHaveLength(1);
  });

  it('never creates a second user when a batch is processed again after a crash, even with Redis lost', async () => {
    const { directory, deps } = setup();
    const commands = [aCommand({ n: 50 }), aCommand({ n: 51 })];
    await writeBatch(commands, deps);
    const again = await writeBatch(commands, { ...deps, links: new InMemoryLinkStore() });
    expect(directory.users.size).toBe(2);
    expect(again.map((r) => [r.status, r.linkedBy, r.modifiedProperties])).toEqual([
      ['success', 'matched', []],
      ['success', 'matched', []],
    ]);
  });

  it('retries a record Salesforce could not lock, and reports the attempt', async () => {
    const { directory, deps } = setup();
    directory.failRecords((f) => f['Username'] === 'user60@contoso.com', {
      code: 'SalesforceRecordLocked',
      salesforceCode: 'UNABLE_TO_LOCK_ROW',
      message: 'unable to obtain exclusive access to this record',
      fields: [],
      retriable: true,
    });
    const results = await writeBatch([aCommand({ n: 60 }), aCommand({ n: 61 })], deps);
    expect(results.map((r) => [r.status, r.attempt])).toEqual([
      ['success', 2],
      ['success', 1],
    ]);
    expect(directory.users.size).toBe(2);
  });

  it('fails the commands with the last error once a transient failure outlasts the retry policy', async () => {
    const { directory, deps } = setup();
    const unavailable = () =>
      new SalesforceCallError(
        { code: 'SalesforceRequestFailed', message: 'Service Unavailable', fields: [], retriable: true },
        { status: 503 },
      );
    for (let i = 0; i < 5; i++) directory.failNextCall('query', unavailable());
    const [result] = await writeBatch([aCommand({ n: 70 })], deps);
    expect(result).toMatchObject({
      status: 'failure',
      attempt: 5,
      error: { code: 'SalesforceRequestFailed', retriable: true },
    });
  });

  it('halts on a job-level refusal, keeping the results already finished', async () => {
    const { directory, deps } = setup();
    const more = Array.from({ length: 1250 }, () => aCommand());
    const limit = new SalesforceCallError(
      {
        code: 'SalesforceRequestLimitExceeded',
        salesforceCode: 'REQUEST_LIMIT_EXCEEDED',
        message: 'TotalRequests Limit exceeded.',
        fields: [],
        retriable: false,
      },
      { status: 403 },
    );
    let calls = 0;
    const original = directory.createUsers.bind(directory);
    directory.createUsers = async (records) => {
      if (++calls === 2) throw limit;
      return original(records);
    };
    const halted = await writeBatch(more, { ...deps, valuesPerQuery: 2000 }).catch((e: unknown) => e);
    expect(halted).toBeInstanceOf(JobHaltedError);
    expect((halted as JobHaltedError).finished.size).toBe(1000);
    expect([...(halted as JobHaltedError).finished.values()].every((r) => r.status === 'success')).toBe(true);
  });

  it('keeps one user’s commands in order when both are in one batch', async () => {
    const { directory, deps } = setup();
    const create = aCommand({ n: 80 });
    const update = aCommand({ n: 80, action: 'update', fields: { LastName: 'Later' } });
    const results = await writeBatch([create, update], deps);
    expect(results.map((r) => [r.action, r.status, r.linkedBy])).toEqual([
      ['create', 'success', 'created'],
      ['update', 'success', 'link'],
    ]);
    expect([...directory.users.values()][0]?.['LastName']).toBe('Later');
  });

  it('reports several Salesforce users with one matching value as DuplicateTargetEntries', async () => {
    const { directory, deps } = setup();
    const command = aCommand({ n: 90, matching: { attribute: 'FederationIdentifier', value: 'fed-90' } });
    directory.seed({ Username: 'a@x.com', FederationIdentifier: 'fed-90' });
    directory.seed({ Username: 'b@x.com', FederationIdentifier: 'fed-90' });
    const [result] = await writeBatch([command], deps);
    expect(result).toMatchObject({ status: 'failure', error: { code: 'DuplicateTargetEntries' } });
    expect(directory.count('create')).toBe(0);
  });
});

describe('writeBatch with what the directory cannot write', () => {
  it('leaves out unsupported fields with a warning naming them; the permission sets are still applied', async () => {
    const directory = Object.assign(new InMemorySalesforceDirectory(), {
      unsupportedFields: new Set(['UserRoleName']),
    });
    const deps = { directory, links: new InMemoryLinkStore(), budget: new CountingBudget(), clock: new VirtualClock() };
    const command = aCommand({ n: 100 });
    const [result] = await writeBatch(
      [
        {
          ...command,
          fields: { ...command.fields, UserRoleName: 'Sales Rep' },
          permissionSets: { add: ['Sales_Cloud_User'], remove: [] },
        },
      ],
      deps,
    );
    expect(result).toMatchObject({
      status: 'warning',
      linkedBy: 'created',
      error: { code: 'SalesforcePartiallyApplied', fields: ['UserRoleName'] },
    });
    expect(result?.error?.message).not.toMatch(/Sales_Cloud_User/);
    expect([...directory.users.values()][0]).not.toHaveProperty('UserRoleName');
    expect(directory.assignments.get(result?.salesforceId ?? '')).toEqual(new Set(['Sales_Cloud_User']));
  });
});

describe('writeBatch with roles and permission sets', () => {
  const withSets = (n: number, add: string[], remove: string[] = [], extra: Record<string, string | null> = {}) => {
    const command = aCommand({ n });
    return { ...command, fields: { ...command.fields, ...extra }, permissionSets: { add, remove } };
  };

  it('creates the user with its role, then assigns its sets in one call as a new user, and reports both', async () => {
    const { directory, deps, budget } = setup();
    const commands = [
      withSets(200, ['Sales_Cloud_User', 'Marketing_Tools'], [], { UserRoleName: 'Sales Rep' }),
      withSets(201, ['Sales_Cloud_User']),
      aCommand({ n: 202 }),
    ];
    const results = await writeBatch(commands, deps);
    expect(results.map((r) => [r.status, r.linkedBy, r.error])).toEqual([
      ['success', 'created', null],
      ['success', 'created', null],
      ['success', 'created', null],
    ]);
    expect(directory.calls.map((c) => [c.operation, c.size])).toEqual([
      ['query', 3],
      ['create', 3],
      ['permissionSets', 2],
    ]);
    expect(budget.spent).toBe(3);
    expect(directory.permissionSetCalls[0]?.every((c) => c.newUser)).toBe(true);
    const [first, second, third] = results;
    expect(directory.users.get(first?.salesforceId ?? '')).toMatchObject({ UserRoleName: 'Sales Rep' });
    expect(first?.modifiedProperties).toContainEqual({ name: 'UserRoleName', newValue: 'Sales Rep' });
    expect(first?.modifiedProperties).toContainEqual({
      name: 'PermissionSets',
      oldValue: [],
      newValue: ['Marketing_Tools', 'Sales_Cloud_User'],
    });
    expect(directory.assignments.get(second?.salesforceId ?? '')).toEqual(new Set(['Sales_Cloud_User']));
    expect(third?.modifiedProperties.map((p) => p.name)).not.toContain('PermissionSets');
  });

  it('applies a command that only changes permission sets to a linked user, removing only the one named', async () => {
    const { directory, links, deps } = setup();
    const base = aCommand({ n: 210 });
    const id = directory.seed({ ...base.fields, Username: 'user210@contoso.com' });
    directory.assignments.set(id, new Set(['Sales_Cloud_User', 'Marketing_Tools', 'Service_Cloud_User']));
    await links.setMany(new Map([['entra-210', id]]));
    const [result] = await writeBatch(
      [{ ...base, action: 'update', fields: {}, permissionSets: { add: [], remove: ['Marketing_Tools'] } }],
      deps,
    );
    expect(result).toMatchObject({ status: 'success', linkedBy: 'link', salesforceId: id, error: null });
    expect(result?.modifiedProperties).toEqual([
      {
        name: 'PermissionSets',
        oldValue: ['Marketing_Tools', 'Sales_Cloud_User', 'Service_Cloud_User'],
        newValue: ['Sales_Cloud_User', 'Service_Cloud_User'],
      },
    ]);
    expect(directory.count('update')).toBe(0);
    expect(directory.permissionSetCalls[0]).toEqual([
      { userId: id, add: [], remove: ['Marketing_Tools'], newUser: false },
    ]);
  });

  it('fails a user whose set is unknown with that code, keeping its Salesforce id and what was done', async () => {
    const { directory, deps } = setup();
    const [result] = await writeBatch([withSets(220, ['No_Such_Set', 'Sales_Cloud_User'])], deps);
    expect(result).toMatchObject({
      status: 'failure',
      linkedBy: 'created',
      salesforceId: expect.stringMatching(/^005/),
      error: { code: 'SalesforceUnknownPermissionSet', retriable: false, fields: ['PermissionSets'] },
    });
    expect(result?.modifiedProperties).toContainEqual({
      name: 'PermissionSets',
      oldValue: [],
      newValue: ['Sales_Cloud_User'],
    });
    expect(directory.users.size).toBe(1);
  });

  it('retries the sets after a transient failure without creating the user again, still reporting it created', async () => {
    const { directory, deps } = setup();
    directory.failNextCall(
      'permissionSets',
      new SalesforceCallError(
        { code: 'SalesforceServiceUnavailable', message: '503', fields: [], retriable: true },
        { status: 503 },
      ),
    );
    const [result] = await writeBatch([withSets(230, ['Sales_Cloud_User'])], deps);
    expect(result).toMatchObject({ status: 'success', linkedBy: 'created', attempt: 2, error: null });
    expect(result?.modifiedProperties.map((p) => p.name)).toContain('Username');
    expect(result?.modifiedProperties).toContainEqual({
      name: 'PermissionSets',
      oldValue: [],
      newValue: ['Sales_Cloud_User'],
    });
    expect(directory.count('create')).toBe(1);
    expect(directory.users.size).toBe(1);
    // The retry reads what the user holds: the first call may have been half applied.
    expect(directory.permissionSetCalls.at(-1)?.[0]?.newUser).toBe(false);
  });

  it('previews role and set changes in a dry run without writing', async () => {
    const { directory, links, deps } = setup({ dryRun: true });
    const base = aCommand({ n: 240 });
    const id = directory.seed({ ...base.fields, Username: 'user240@contoso.com', UserRoleName: 'CEO' });
    directory.assignments.set(id, new Set(['Marketing_Tools']));
    await links.setMany(new Map([['entra-240', id]]));
    const results = await writeBatch(
      [
        {
          ...base,
          action: 'update',
          fields: { UserRoleName: 'Sales Rep' },
          permissionSets: { add: ['Sales_Cloud_User'], remove: ['Marketing_Tools'] },
        },
        withSets(241, ['Sales_Cloud_User']),
      ],
      deps,
    );
    expect(results[0]).toMatchObject({ status: 'skipped', dryRun: true, salesforceId: id });
    expect(results[0]?.modifiedProperties).toEqual([
      { name: 'UserRoleName', oldValue: 'CEO', newValue: 'Sales Rep' },
      { name: 'PermissionSets', oldValue: ['Marketing_Tools'], newValue: ['Sales_Cloud_User'] },
    ]);
    expect(results[1]).toMatchObject({ status: 'skipped', dryRun: true, salesforceId: null });
    expect(results[1]?.modifiedProperties).toContainEqual({
      name: 'PermissionSets',
      oldValue: [],
      newValue: ['Sales_Cloud_User'],
    });
    expect(directory.assignments.get(id)).toEqual(new Set(['Marketing_Tools']));
    expect(directory.users.get(id)).toMatchObject({ UserRoleName: 'CEO' });
    expect(directory.count('create') + directory.count('update')).toBe(0);
  });

  it('joins groups and queues after the sets, retrying only them after a transient failure of the membership call', async () => {
    const { directory, deps } = setup();
    directory.failNextCall(
      'groupMemberships',
      new SalesforceCallError(
        { code: 'SalesforceServiceUnavailable', message: '503', fields: [], retriable: true },
        { status: 503 },
      ),
    );
    const command = {
      ...withSets(250, ['Sales_Cloud_User']),
      groupMemberships: {
        add: [
          { type: 'publicGroup' as const, name: 'Sales_Team' },
          { type: 'queue' as const, name: 'Leads_Queue' },
        ],
        remove: [],
      },
    };
    const [result] = await writeBatch([command], deps);
    expect(result).toMatchObject({ status: 'success', linkedBy: 'created', attempt: 2, error: null });
    expect(result?.modifiedProperties).toEqual(
      expect.arrayContaining([
        { name: 'PermissionSets', oldValue: [], newValue: ['Sales_Cloud_User'] },
        { name: 'PublicGroups', oldValue: [], newValue: ['Sales_Team'] },
        { name: 'Queues', oldValue: [], newValue: ['Leads_Queue'] },
      ]),
    );
    expect(directory.count('create')).toBe(1);
    expect(directory.groupMembershipCalls.at(-1)?.[0]?.newUser).toBe(false);
  });

  it('previews group and queue changes in a dry run without writing', async () => {
    const { directory, links, deps } = setup({ dryRun: true });
    const base = aCommand({ n: 260 });
    const id = directory.seed({ ...base.fields, Username: 'user260@contoso.com' });
    directory.memberships.set(id, new Set(['publicGroup:Marketing_Team']));
    await links.setMany(new Map([['entra-260', id]]));
    const [result] = await writeBatch(
      [
        {
          ...base,
          action: 'update',
          fields: {},
          groupMemberships: {
            add: [{ type: 'queue', name: 'Leads_Queue' }],
            remove: [{ type: 'publicGroup', name: 'Marketing_Team' }],
          },
        },
      ],
      deps,
    );
    expect(result).toMatchObject({ status: 'skipped', dryRun: true, salesforceId: id });
    expect(result?.modifiedProperties).toEqual([
      { name: 'PublicGroups', oldValue: ['Marketing_Team'], newValue: [] },
      { name: 'Queues', oldValue: [], newValue: ['Leads_Queue'] },
    ]);
    expect(directory.memberships.get(id)).toEqual(new Set(['publicGroup:Marketing_Team']));
  });
});
