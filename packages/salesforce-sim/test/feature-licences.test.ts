import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceSim } from '../src/index.ts';
import { startSalesforceSim } from '../src/index.ts';
import { adminConnection, userRecord } from './helpers.ts';

type Save = {
  id?: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
};
type Metric = { FeatureType: string; TotalLicenseCount: number; AssignedUserCount: number; MetricsDate: string };

describe('feature licences and ActiveFeatureLicenseMetric through jsforce', () => {
  let sim: SalesforceSim;
  let conn: Connection;

  beforeAll(async () => {
    sim = await startSalesforceSim({
      org: { featureLicences: { UserPermissionsMarketingUser: 2, UserPermissionsSupportUser: 5 } },
    });
    conn = await adminConnection(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('counts each seeded feature licence, total and assigned, in the admin summary and ActiveFeatureLicenseMetric', async () => {
    const holder = (await conn
      .sobject('User')
      .create(userRecord(sim, { UserPermissionsMarketingUser: true }, 'Standard User'))) as Save;
    expect(holder.success).toBe(true);
    expect(sim.admin.summary(sim.orgId).featureLicences).toEqual([
      { field: 'UserPermissionsMarketingUser', label: 'Marketing User', total: 2, used: 1 },
      { field: 'UserPermissionsSupportUser', label: 'Service Cloud User', total: 5, used: 0 },
    ]);
    const rows = await conn.query<Metric>(
      'SELECT FeatureType, TotalLicenseCount, AssignedUserCount, MetricsDate FROM ActiveFeatureLicenseMetric ORDER BY FeatureType',
    );
    expect(rows.records.map((r) => [r.FeatureType, r.TotalLicenseCount, r.AssignedUserCount])).toEqual([
      ['MarketingUser', 2, 1],
      ['SupportUser', 5, 0],
    ]);
    expect(rows.records[0]?.MetricsDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('refuses the licence past the total with LICENSE_LIMIT_EXCEEDED on the field, and takes the user without it', async () => {
    await conn.sobject('User').create(userRecord(sim, { UserPermissionsMarketingUser: true }, 'Standard User'));
    const refused = (
      await conn.sobject('User').create([userRecord(sim, { UserPermissionsMarketingUser: true }, 'Standard User')])
    )[0] as Save;
    expect(refused).toMatchObject({
      success: false,
      errors: [
        {
          statusCode: 'LICENSE_LIMIT_EXCEEDED',
          message: 'License Limit Exceeded - Marketing User',
          fields: ['UserPermissionsMarketingUser'],
        },
      ],
    });
    const without = (await conn
      .sobject('User')
      .create(userRecord(sim, { UserPermissionsMarketingUser: false }, 'Standard User'))) as Save;
    expect(without.success).toBe(true);
    // Raising the total (Setup, after buying more) lets the same update through.
    sim.admin.updateOrg(sim.orgId, { featureLicences: { UserPermissionsMarketingUser: 3 } });
    const granted = (await conn
      .sobject('User')
      .update({ Id: without.id as string, UserPermissionsMarketingUser: true })) as Save;
    expect(granted.success).toBe(true);
  });

  it('has no ActiveFeatureLicenseMetric before API 52.0 (INVALID_TYPE, as for any unknown object)', async () => {
    const older = await adminConnection(sim, '51.0');
    await expect(older.query('SELECT FeatureType FROM ActiveFeatureLicenseMetric')).rejects.toMatchObject({
      errorCode: 'INVALID_TYPE',
    });
  });

  it('refuses a seed naming a feature licence Salesforce does not have', async () => {
    await expect(startSalesforceSim({ org: { featureLicences: { UserPermissionsTeleportUser: 1 } } })).rejects.toThrow(
      /no feature licence 'UserPermissionsTeleportUser'/,
    );
  });
});
