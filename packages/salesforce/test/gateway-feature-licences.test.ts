import type { SalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsforceSalesforceGateway } from '../src/index.ts';
import { newUser, passwordGateway, startSim } from './helpers.ts';

describe('gateway feature licences and roles by DeveloperName through jsforce', () => {
  let sim: SalesforceSim;
  let gateway: JsforceSalesforceGateway;

  beforeAll(async () => {
    sim = await startSim({
      org: { featureLicences: { UserPermissionsMarketingUser: 1, UserPermissionsSupportUser: 3 } },
    });
    gateway = passwordGateway(sim);
  });
  afterAll(async () => {
    await gateway.close();
    await sim.close();
  });

  it('reads each feature licence: the total from ActiveFeatureLicenseMetric, the users holding one counted live, in two queries', async () => {
    const [made] = await gateway.createUsers([newUser({ UserPermissionsSupportUser: true })]);
    expect(made?.ok).toBe(true);
    const before = sim.admin.requestCounts()['GET /services/data/:version/query'] ?? 0;
    const counts = await gateway.featureLicenseCounts();
    expect(counts.map(({ field, total, assigned }) => ({ field, total, assigned }))).toEqual([
      { field: 'UserPermissionsMarketingUser', total: 1, assigned: 0 },
      { field: 'UserPermissionsSupportUser', total: 3, assigned: 1 },
    ]);
    expect(counts[0]?.metricsDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((sim.admin.requestCounts()['GET /services/data/:version/query'] ?? 0) - before).toBe(2);
  });

  it('reads no counts where the API version predates ActiveFeatureLicenseMetric (52.0): the limits are then unknown', async () => {
    const older = passwordGateway(sim, { version: '51.0' });
    try {
      expect(await older.featureLicenseCounts()).toEqual([]);
    } finally {
      await older.close();
    }
  });

  it('classifies a licence past the total as SalesforceLicenseLimitExceeded on the licence field', async () => {
    const [first, second] = await gateway.createUsers([
      newUser({ UserPermissionsMarketingUser: true }),
      newUser({ UserPermissionsMarketingUser: true }),
    ]);
    expect(first?.ok).toBe(true);
    expect(second).toMatchObject({
      ok: false,
      error: {
        code: 'SalesforceLicenseLimitExceeded',
        salesforceCode: 'LICENSE_LIMIT_EXCEEDED',
        fields: ['UserPermissionsMarketingUser'],
      },
    });
  });

  it('resolves a role by DeveloperName as well as by Name', async () => {
    const [made] = await gateway.createUsers([newUser({ UserRoleName: 'Sales_Manager' })]);
    if (!made?.ok) throw new Error(JSON.stringify(made));
    const [found] = await gateway.findUsers('Id', [made.id], { fields: ['UserRole.Name', 'UserRole.DeveloperName'] });
    expect(found?.fields).toMatchObject({
      'UserRole.Name': 'Sales Manager',
      'UserRole.DeveloperName': 'Sales_Manager',
    });
    const [unknown] = await gateway.updateUsers([{ Id: made.id, UserRoleName: 'Chief_Llama' }]);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'SalesforceUnknownRole', fields: ['UserRoleName'] } });
  });
});
