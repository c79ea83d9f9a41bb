import type { SalesforceSim } from '@provision/salesforce-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JsforceSalesforceGateway } from '../src/index.ts';
import { newUser, passwordGateway, startSim } from './helpers.ts';

describe('gateway operations against the simulator', () => {
  let sim: SalesforceSim;
  let gateway: JsforceSalesforceGateway;

  beforeAll(async () => {
    sim = await startSim();
    gateway = passwordGateway(sim);
  });
  afterEach(() => sim.admin.clearFaults());
  afterAll(async () => {
    await sim.close();
  });

  it('lists profiles with their user licence and licences remaining', async () => {
    const profiles = await gateway.listProfiles();
    expect(profiles.find((p) => p.name === 'Chatter Free User')).toMatchObject({
      userLicense: 'Chatter Free',
      licencesTotal: 5000,
      licencesRemaining: 5000 - sim.admin.summary(sim.orgId).licences.find((l) => l.name === 'Chatter Free')!.used,
    });
    expect(profiles.map((p) => p.name)).toEqual(expect.arrayContaining(['System Administrator', 'Standard User']));
  });

  it('classifies field errors per record: picklist, length, licence', async () => {
    sim.admin.updateOrg(sim.orgId, { licences: { Identity: 0 } });
    const results = await gateway.createUsers([
      newUser({ LanguageLocaleKey: 'xx_XX' }),
      newUser({ Alias: 'waytoolongalias' }),
      newUser({ ProfileName: 'Identity User' }),
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'SalesforceInvalidPicklistValue',
      'SalesforceValueTooLong',
      'SalesforceLicenseLimitExceeded',
    ]);
  });

  it('updates users, including ProfileName, and reports each record', async () => {
    const [a] = await gateway.createUsers([newUser()]);
    const id = a!.ok ? a!.id : '';
    const results = await gateway.updateUsers([
      { Id: id, Title: 'Lead', ProfileName: 'Standard User' },
      { Id: '005000000000000AAA', Title: 'x' },
      { Title: 'no id' } as never,
    ]);
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'SalesforceInvalidValue', fields: ['Id'] } });
    expect(results[0]).toEqual({ ok: true, id });
    expect(results[1]).toMatchObject({
      ok: false,
      id: '005000000000000AAA',
      error: { code: 'SalesforceInvalidValue' },
    });
    expect(sim.admin.user(sim.orgId, id)).toMatchObject({
      Title: 'Lead',
      ProfileId: sim.admin.summary(sim.orgId).profiles.find((p) => p.name === 'Standard User')!.id,
    });
  });

  it('leaves a changed Email pending until confirmed: the update succeeds, the user keeps the old address', async () => {
    const record = newUser();
    const [created] = await gateway.createUsers([record]);
    const id = created!.ok ? created!.id : '';
    expect(await gateway.updateUsers([{ Id: id, Email: 'changed@provision-test.example.com' }])).toEqual([
      { ok: true, id },
    ]);
    const [before] = await gateway.findUsers('Id', [id]);
    expect(before!.fields['Email']).toBe(record['Email']);
    sim.admin.confirmEmailChange(sim.orgId, id);
    const [after] = await gateway.findUsers('Id', [id]);
    expect(after!.fields['Email']).toBe('changed@provision-test.example.com');
  });

  it('deactivates users, freeing their licences, and freezes them on request', async () => {
    const results = await gateway.createUsers([
      newUser({ ProfileName: 'Standard User' }),
      newUser({ ProfileName: 'Standard User' }),
    ]);
    const ids = results.map((r) => (r.ok ? r.id : ''));
    const used = () => sim.admin.summary(sim.orgId).licences.find((l) => l.name === 'Salesforce')!.used;
    const before = used();
    expect(await gateway.deactivateUsers([ids[0]!])).toEqual([{ ok: true, id: ids[0] }]);
    expect(await gateway.deactivateUsers([ids[1]!], { freeze: true })).toEqual([{ ok: true, id: ids[1] }]);
    expect(used()).toBe(before - 2);
    expect(sim.admin.user(sim.orgId, ids[0]!)).toMatchObject({ IsActive: false, frozen: false });
    expect(sim.admin.user(sim.orgId, ids[1]!)).toMatchObject({ IsActive: false, frozen: true });
  });

  it('counts its API calls (≤ 8 for 1,000 users: login, profiles, finds, 5 Collections calls) and reads Sforce-Limit-Info', async () => {
    const fresh = passwordGateway(sim);
    const records = Array.from({ length: 1000 }, () => newUser());
    const found = await fresh.findUsers(
      'Username',
      records.map((r) => String(r['Username'])),
    );
    expect(found).toEqual([]);
    const results = await fresh.createUsers(records);
    expect(results.every((r) => r.ok)).toBe(true);
    const usage = fresh.usage();
    expect(usage.calls).toBeLessThanOrEqual(8);
    expect(usage.limit).toBe(sim.admin.summary(sim.orgId).apiUsage.limit);
    expect(usage.used).toBe(sim.admin.summary(sim.orgId).apiUsage.used);
  });

  it('counts the retries jsforce makes by itself', async () => {
    await gateway.listProfiles();
    const before = gateway.usage().calls;
    sim.admin.setFaults({ burst: { status: 503, count: 1, retryAfterSeconds: 0 } });
    await gateway.listProfiles();
    expect(gateway.usage().calls).toBe(before + 2);
  });

  it('classifies whole-call failures on every record: request limit, network, server error', async () => {
    sim.admin.updateOrg(sim.orgId, { apiUsed: sim.admin.summary(sim.orgId).apiUsage.limit });
    try {
      const results = await gateway.createUsers([newUser(), newUser()]);
      expect(results).toMatchObject([
        { ok: false, error: { code: 'SalesforceRequestLimitExceeded', retriable: true } },
        { ok: false, error: { code: 'SalesforceRequestLimitExceeded' } },
      ]);
    } finally {
      sim.admin.updateOrg(sim.orgId, { apiUsed: 0 });
    }
    sim.admin.setFaults({ dropConnections: { count: 1 }, pathContains: '/composite/sobjects' });
    expect(await gateway.createUsers([newUser()])).toMatchObject([
      { ok: false, error: { code: 'SalesforceNetworkError', retriable: true } },
    ]);
    sim.admin.setFaults({ serverErrorRate: 1, pathContains: '/composite/sobjects' });
    expect(await gateway.createUsers([newUser()])).toMatchObject([
      { ok: false, error: { code: 'SalesforceServiceUnavailable', retriable: true } },
    ]);
  });

  it.each([
    [503, 'SalesforceServiceUnavailable', { burst: { status: 503 as const, count: 1, retryAfterSeconds: 0 } }],
    [500, 'SalesforceServiceUnavailable', { serverErrorRate: 1 }],
    [429, 'SalesforceRequestLimitExceeded', { burst: { status: 429 as const, count: 1, retryAfterSeconds: 0 } }],
  ])(
    'classifies a login answered %i without a SOAP fault as transient (%s), never as the records’ fault',
    async (_status, code, fault) => {
      const fresh = passwordGateway(sim);
      sim.admin.setFaults({ ...fault, pathContains: '/services/Soap/u/' });
      try {
        const results = await fresh.createUsers([newUser(), newUser()]);
        expect(results).toMatchObject([
          { ok: false, error: { code, retriable: true } },
          { ok: false, error: { code, retriable: true } },
        ]);
        sim.admin.clearFaults();
        // The next call logs in again and succeeds.
        expect((await fresh.createUsers([newUser()])).every((r) => r.ok)).toBe(true);
      } finally {
        sim.admin.clearFaults();
        await fresh.close();
      }
    },
  );

  it('throws a classified, retriable error when a query keeps failing', async () => {
    sim.admin.updateOrg(sim.orgId, { apiUsed: sim.admin.summary(sim.orgId).apiUsage.limit });
    try {
      await expect(gateway.findUsers('Username', ['a@b.example.com'])).rejects.toMatchObject({
        code: 'PRV_SALESFORCE_REQUEST_FAILED',
        retriable: true,
        salesforce: { code: 'SalesforceRequestLimitExceeded' },
      });
    } finally {
      sim.admin.updateOrg(sim.orgId, { apiUsed: 0 });
    }
  });
});
