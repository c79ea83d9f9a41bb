import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceSim } from '../src/index.ts';
import { adminConnection, startSim, userRecord } from './helpers.ts';

type Save = {
  id?: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
};
type Row = Record<string, unknown>;

describe('permission set groups and permission set licences through jsforce', () => {
  let sim: SalesforceSim;
  let conn: Connection;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    sim = await startSim();
    conn = await adminConnection(sim);
    for (const r of (await conn.query<Row>('SELECT Id, DeveloperName FROM PermissionSetGroup')).records)
      ids.set(String(r['DeveloperName']), String(r['Id']));
    for (const r of (await conn.query<Row>('SELECT Id, DeveloperName FROM PermissionSetLicense')).records)
      ids.set(String(r['DeveloperName']), String(r['Id']));
    for (const r of (await conn.query<Row>('SELECT Id, Name FROM PermissionSet WHERE IsOwnedByProfile = false'))
      .records)
      ids.set(String(r['Name']), String(r['Id']));
  });
  afterAll(async () => {
    await sim.close();
  });

  async function newUser(): Promise<string> {
    const created = (await conn.sobject('User').create(userRecord(sim))) as Save;
    expect(created.success).toBe(true);
    return created.id as string;
  }

  it('seeds groups with their Status and licences with TotalLicenses and UsedLicenses', async () => {
    const groups = await conn.query<Row>('SELECT DeveloperName, Status FROM PermissionSetGroup ORDER BY DeveloperName');
    expect(groups.records.map((r) => `${r['DeveloperName']}:${r['Status']}`)).toEqual([
      'Console_Agents:Updated',
      'Sales_Operations:Updated',
      'Service_Agents:Outdated',
    ]);
    const licences = await conn.query<Row>(
      "SELECT DeveloperName, MasterLabel, TotalLicenses, UsedLicenses, Status FROM PermissionSetLicense WHERE DeveloperName = 'SalesConsoleUser'",
    );
    expect(licences.records[0]).toMatchObject({
      MasterLabel: 'Sales Console User',
      TotalLicenses: 3,
      Status: 'Active',
    });
  });

  it('assigns a group through PermissionSetAssignment.PermissionSetGroupId, reads it back by relationship and deletes it; twice is DUPLICATE_VALUE', async () => {
    const user = await newUser();
    const saved = (await conn.create(
      'PermissionSetAssignment',
      [
        { AssigneeId: user, PermissionSetGroupId: ids.get('Sales_Operations') },
        { AssigneeId: user, PermissionSetGroupId: ids.get('Sales_Operations') },
      ],
      { allOrNone: false },
    )) as Save[];
    expect(saved[0]?.success).toBe(true);
    expect(saved[1]?.errors[0]?.statusCode).toBe('DUPLICATE_VALUE');
    const rows = await conn.query<Row>(
      `SELECT Id, PermissionSetId, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE AssigneeId = '${user}' AND PermissionSetGroupId != null`,
    );
    expect(rows.records.map((r) => (r['PermissionSetGroup'] as Row)['DeveloperName'])).toEqual(['Sales_Operations']);
    const removed = (await conn.destroy('PermissionSetAssignment', [String(rows.records[0]!['Id'])], {
      allOrNone: false,
    })) as Save[];
    expect(removed[0]?.success).toBe(true);
    expect(sim.admin.permissionSetGroupsOf(sim.orgId, user)).toEqual([]);
  });

  it('refuses a group whose Status is not Updated, until its recalculation is done', async () => {
    const user = await newUser();
    const first = (await conn.create(
      'PermissionSetAssignment',
      [{ AssigneeId: user, PermissionSetGroupId: ids.get('Service_Agents') }],
      {
        allOrNone: false,
      },
    )) as Save[];
    expect(first[0]?.errors[0]).toMatchObject({
      statusCode: 'FIELD_INTEGRITY_EXCEPTION',
      fields: ['PermissionSetGroupId'],
    });
    expect(first[0]?.errors[0]?.message).toContain('"Updated" status');
    sim.admin.setPermissionSetGroupStatus(sim.orgId, 'Service_Agents', 'Updated');
    const again = (await conn.create(
      'PermissionSetAssignment',
      [{ AssigneeId: user, PermissionSetGroupId: ids.get('Service_Agents') }],
      {
        allOrNone: false,
      },
    )) as Save[];
    expect(again[0]?.success).toBe(true);
  });

  it('refuses a permission set, or a group holding one, that needs a licence the user lacks; with the licence both go', async () => {
    const user = await newUser();
    const before = (await conn.create(
      'PermissionSetAssignment',
      [
        { AssigneeId: user, PermissionSetId: ids.get('Sales_Console_Access') },
        { AssigneeId: user, PermissionSetGroupId: ids.get('Console_Agents') },
      ],
      { allOrNone: false },
    )) as Save[];
    expect(before.map((s) => s.errors[0]?.statusCode)).toEqual([
      'FIELD_INTEGRITY_EXCEPTION',
      'FIELD_INTEGRITY_EXCEPTION',
    ]);
    expect(before[0]?.errors[0]?.message).toContain('requires a license');
    const licence = (await conn.create(
      'PermissionSetLicenseAssign',
      [{ AssigneeId: user, PermissionSetLicenseId: ids.get('SalesConsoleUser') }],
      { allOrNone: false },
    )) as Save[];
    expect(licence[0]?.success).toBe(true);
    const after = (await conn.create(
      'PermissionSetAssignment',
      [
        { AssigneeId: user, PermissionSetId: ids.get('Sales_Console_Access') },
        { AssigneeId: user, PermissionSetGroupId: ids.get('Console_Agents') },
      ],
      { allOrNone: false },
    )) as Save[];
    expect(after.map((s) => s.success)).toEqual([true, true]);
    const held = await conn.query<Row>(
      `SELECT PermissionSetLicense.DeveloperName FROM PermissionSetLicenseAssign WHERE AssigneeId = '${user}'`,
    );
    expect(held.records.map((r) => (r['PermissionSetLicense'] as Row)['DeveloperName'])).toEqual(['SalesConsoleUser']);
  });

  it('counts licences: UsedLicenses follows the assignments, and one past TotalLicenses is LICENSE_LIMIT_EXCEEDED', async () => {
    const a = await newUser();
    const b = await newUser();
    const assign = async (user: string) =>
      (
        (await conn.create(
          'PermissionSetLicenseAssign',
          [{ AssigneeId: user, PermissionSetLicenseId: ids.get('IdentityConnect') }],
          {
            allOrNone: false,
          },
        )) as Save[]
      )[0]!;
    const first = await assign(a);
    expect(first.success).toBe(true);
    const used = await conn.query<Row>(
      "SELECT UsedLicenses FROM PermissionSetLicense WHERE DeveloperName = 'IdentityConnect'",
    );
    expect(used.records[0]?.['UsedLicenses']).toBe(1);
    const second = await assign(b);
    expect(second.errors[0]).toMatchObject({
      statusCode: 'LICENSE_LIMIT_EXCEEDED',
      message: 'License Limit Exceeded - Identity Connect',
    });
    // Taking the licence back frees it.
    await conn.destroy('PermissionSetLicenseAssign', [first.id as string], { allOrNone: false });
    expect((await assign(b)).success).toBe(true);
    expect(sim.admin.permissionSetLicensesOf(sim.orgId, b)).toEqual(['IdentityConnect']);
  });
});
