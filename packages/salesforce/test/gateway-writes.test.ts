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

  it('splits more than 200 records into calls of 200', async () => {
    const before = sim.admin.requestCounts()['POST /services/data/:version/composite/sobjects'] ?? 0;
    const results = await gateway.createUsers(Array.from({ length: 450 }, () => newUser()));
    expect(results.filter((r) => r.ok)).toHaveLength(450);
    expect(sim.admin.requestCounts()['POST /services/data/:version/composite/sobjects']).toBe(before + 3);
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
