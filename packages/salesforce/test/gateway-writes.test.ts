import type { SalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsforceSalesforceGateway } from '../src/index.ts';
import { newUser, passwordGateway, startSim } from './helpers.ts';

describe.each([{ https: false }, { https: true }])('gateway writes through jsforce (https: $https)', ({ https }) => {
  let sim: SalesforceSim;
  let gateway: JsforceSalesforceGateway;

  beforeAll(async () => {
    sim = await startSim({ https });
    gateway = passwordGateway(sim);
  });
  afterAll(async () => {
    await gateway.close();
    await sim.close();
  });

  it('creates users through sObject Collections, one result per record in order, resolving ProfileName', async () => {
    const records = [newUser(), newUser({ LastName: '' }), newUser({ ProfileName: 'Standard User' })];
    const results = await gateway.createUsers(records);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    const failed = results[1]!;
    expect(failed.ok === false && failed.error).toMatchObject({
      code: 'SalesforceRequiredFieldMissing',
      retriable: false,
      fields: ['LastName'],
    });
    const found = await gateway.findUsers('Username', [
      String(records[0]!['Username']),
      String(records[2]!['Username']),
    ]);
    expect(found.map((u) => u.profileName).sort()).toEqual(['Chatter Free User', 'Standard User']);
    expect(found.every((u) => u.isActive)).toBe(true);
  });

  it('classifies a username taken in another org as SalesforceDuplicateUserName', async () => {
    const other = await sim.admin.createOrg({ name: 'Other Org' });
    const taken = newUser();
    sim.admin.addUsers(other.orgId, [{ ...taken }]);
    const [result] = await gateway.createUsers([{ ...taken }]);
    expect(result).toMatchObject({ ok: false, error: { code: 'SalesforceDuplicateUserName', fields: ['Username'] } });
  });

  it('classifies moving a Salesforce user to a Chatter Free profile as SalesforceLicenseChangeRefused', async () => {
    const [created] = await gateway.createUsers([newUser({ ProfileName: 'Standard User' })]);
    const id = created?.ok ? created.id : '';
    const [moved] = await gateway.updateUsers([{ Id: id, ProfileName: 'Chatter Free User' }]);
    expect(moved?.ok === false && moved.error).toMatchObject({
      code: 'SalesforceLicenseChangeRefused',
      retriable: false,
      salesforceCode: 'FIELD_INTEGRITY_EXCEPTION',
      fields: ['ProfileId'],
    });
  });

  it('fails a record naming an unknown profile without sending it', async () => {
    const [result] = await gateway.createUsers([newUser({ ProfileName: 'No Such Profile' })]);
    expect(result).toMatchObject({ ok: false, error: { code: 'SalesforceUnknownProfile' } });
  });

  it('writes up to 1,000 records in one API call: Collections calls of 200 as subrequests of a Composite call', async () => {
    const counts = () => sim.admin.requestCounts();
    const collections = 'POST /services/data/:version/composite/sobjects';
    const composite = 'POST /services/data/:version/composite';
    const usage = () => sim.admin.summary(sim.orgId).apiUsage.used;
    const before = { ...counts() };
    const usedBefore = usage();
    // 1,250 records: five calls of 200 in one Composite call, then 250 more as a Composite call of two.
    const records = Array.from({ length: 1250 }, (_, i) => newUser(i === 700 ? { LastName: '' } : {}));
    const results = await gateway.createUsers(records);
    expect(results.filter((r) => r.ok)).toHaveLength(1249);
    expect(results[700]).toMatchObject({ ok: false, error: { code: 'SalesforceRequiredFieldMissing' } });
    expect((counts()[composite] ?? 0) - (before[composite] ?? 0)).toBe(2);
    expect((counts()[collections] ?? 0) - (before[collections] ?? 0)).toBe(0);
    expect(usage() - usedBefore).toBe(2);
    // One result per record, in order: each id is the record created from it.
    const ids = results.flatMap((r) => (r.ok ? [r.id] : []));
    const found = await gateway.findUsers('Username', [
      String(records[0]!['Username']),
      String(records[1249]!['Username']),
    ]);
    expect(found.map((u) => u.id).sort()).toEqual([ids[0], ids.at(-1)].sort());

    // Updates the same way (PATCH subrequests), one Collections call alone as a plain call.
    const updated = await gateway.updateUsers(ids.slice(0, 1000).map((Id) => ({ Id, Title: 'Composite' })));
    expect(updated.every((r) => r.ok)).toBe(true);
    const alone = await gateway.updateUsers(ids.slice(1000, 1100).map((Id) => ({ Id, Title: 'Alone' })));
    expect(alone.every((r) => r.ok)).toBe(true);
    const titles = await gateway.findUsers('Id', [ids[999]!, ids[1000]!], { fields: ['Title'] });
    expect(titles.map((u) => u.fields['Title']).sort()).toEqual(['Alone', 'Composite']);
    expect((counts()[composite] ?? 0) - (before[composite] ?? 0)).toBe(3);
    const patch = 'PATCH /services/data/:version/composite/sobjects';
    expect((counts()[patch] ?? 0) - (before[patch] ?? 0)).toBe(1);
  });

  it('finds many users in one Composite call of query subrequests, case-insensitively', async () => {
    const records = Array.from({ length: 600 }, () => newUser());
    await gateway.createUsers(records);
    const counts = () => sim.admin.requestCounts();
    const before = counts();
    const found = await gateway.findUsers(
      'Username',
      records.map((r) => String(r['Username']).toUpperCase()),
    );
    expect(found).toHaveLength(600);
    const composite = 'POST /services/data/:version/composite';
    expect((counts()[composite] ?? 0) - (before[composite] ?? 0)).toBe(1);
  });

  it('looks for more values than five statements hold in several Composite calls, as Salesforce allows five queries a call', async () => {
    const [created] = await gateway.createUsers([newUser()]);
    const id = created?.ok ? created.id : '';
    const [known] = await gateway.findUsers('Id', [id]);
    const values = Array.from({ length: 16_000 }, (_, i) => `nobody.${i}.${'x'.repeat(20)}@example.com`);
    const composite = 'POST /services/data/:version/composite';
    const before = sim.admin.requestCounts()[composite] ?? 0;
    const found = await gateway.findUsers('Username', [...values, known!.username]);
    expect(found.map((u) => u.id)).toEqual([id]);
    // ~720,000 characters of values: 9 statements of up to 90,000, five to a call.
    expect((sim.admin.requestCounts()[composite] ?? 0) - before).toBe(2);
  });

  it('looks users up by several fields in one Composite call, one list per lookup in order', async () => {
    const records = Array.from({ length: 3 }, () => newUser({ FederationIdentifier: `fed-${crypto.randomUUID()}` }));
    const created = await gateway.createUsers(records);
    const ids = created.map((r) => (r.ok ? r.id : ''));
    const composite = 'POST /services/data/:version/composite';
    const before = sim.admin.requestCounts()[composite] ?? 0;
    const answers = await gateway.findUsersEach(
      [
        { attribute: 'FederationIdentifier', values: [String(records[0]!['FederationIdentifier']).toUpperCase()] },
        { attribute: 'Username', values: [] },
        { attribute: 'Username', values: records.slice(1).map((r) => String(r['Username'])) },
        { attribute: 'Username', values: ['nobody@example.com'] },
      ],
      { fields: ['Title'] },
    );
    expect(answers.map((users) => users.map((u) => u.id).sort())).toEqual([[ids[0]], [], ids.slice(1).sort(), []]);
    expect(answers[2]![0]).toMatchObject({ isActive: true, profileName: 'Chatter Free User' });
    expect((sim.admin.requestCounts()[composite] ?? 0) - before).toBe(1);
    await expect(gateway.findUsersEach([{ attribute: 'Name; DROP', values: ['x'] }])).rejects.toThrow(
      "'Name; DROP' is not a SOQL field name",
    );
  });

  it('finds a few users with one GET query', async () => {
    const records = [newUser(), newUser()];
    await gateway.createUsers(records);
    const query = 'GET /services/data/:version/query';
    const before = sim.admin.requestCounts()[query] ?? 0;
    const found = await gateway.findUsers(
      'Email',
      records.map((r) => String(r['Email'])),
      { fields: ['Title'] },
    );
    expect(found.map((u) => u.fields['Email']).sort()).toEqual(records.map((r) => r['Email']).sort());
    expect(found[0]!.fields).toHaveProperty('Title', null);
    expect(sim.admin.requestCounts()[query]).toBe(before + 1);
  });
});
