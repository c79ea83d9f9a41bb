import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceSim } from '../src/index.ts';
import { adminConnection, caught, startSim, userRecord } from './helpers.ts';

type Save = {
  id?: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
};

describe('roles and permission-set assignments through jsforce', () => {
  let sim: SalesforceSim;
  let conn: Connection;
  let salesRep: string;
  let integration: string;
  let marketing: string;

  beforeAll(async () => {
    sim = await startSim({
      org: {
        permissionSets: [{ name: 'Integration', permissions: { ManageUsers: true } }, { name: 'Marketing_Tools' }],
      },
    });
    conn = await adminConnection(sim);
    const summary = sim.admin.summary(sim.orgId);
    salesRep = summary.roles.find((r) => r.name === 'Sales Rep')!.id;
    integration = summary.permissionSets.find((p) => p.name === 'Integration')!.id;
    marketing = summary.permissionSets.find((p) => p.name === 'Marketing_Tools')!.id;
  });
  afterAll(async () => {
    await sim.close();
  });

  async function newUser(overrides: Record<string, unknown> = {}): Promise<string> {
    const created = (await conn.sobject('User').create(userRecord(sim, overrides))) as Save;
    expect(created.success).toBe(true);
    return created.id as string;
  }

  it('sets UserRoleId on create and clears it with null on update; an unknown role id is INVALID_CROSS_REFERENCE_KEY', async () => {
    const id = await newUser({ UserRoleId: salesRep });
    const read = await conn.query<{ UserRole: { Name: string } | null }>(
      `SELECT UserRole.Name FROM User WHERE Id = '${id}'`,
    );
    expect(read.records[0]?.UserRole?.Name).toBe('Sales Rep');
    await conn.sobject('User').update({ Id: id, UserRoleId: null });
    expect(sim.admin.user(sim.orgId, id)['UserRoleId']).toBeNull();
    const unknownRole = `00E${salesRep.slice(3, 5)}ZZZZZZZZZZ`;
    const [result] = (await conn.update('User', [{ Id: id, UserRoleId: unknownRole }], { allOrNone: false })) as Save[];
    expect(result).toMatchObject({
      success: false,
      errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', fields: ['UserRoleId'] }],
    });
  });

  it('assigns permission sets through Collections; a second assignment of one set is DUPLICATE_VALUE', async () => {
    const user = await newUser();
    const results = (await conn.create(
      'PermissionSetAssignment',
      [
        { AssigneeId: user, PermissionSetId: integration },
        { AssigneeId: user, PermissionSetId: marketing },
        { AssigneeId: user, PermissionSetId: integration },
      ],
      { allOrNone: false },
    )) as Save[];
    expect(results.map((r) => r.success)).toEqual([true, true, false]);
    expect(results[2]?.errors[0]?.statusCode).toBe('DUPLICATE_VALUE');
    expect(results[2]?.errors[0]?.message).toContain(results[0]?.id as string);
    expect(sim.admin.permissionSetsOf(sim.orgId, user)).toEqual(['Integration', 'Marketing_Tools']);
    const rows = await conn.query<{ PermissionSet: { Name: string } }>(
      `SELECT Id, PermissionSet.Name FROM PermissionSetAssignment WHERE AssigneeId IN ('${user}')`,
    );
    expect(rows.records.map((r) => r.PermissionSet.Name).sort()).toEqual(['Integration', 'Marketing_Tools']);
  });

  it('refuses an unknown permission set or assignee, and a profile-owned set, with INVALID_CROSS_REFERENCE_KEY', async () => {
    const user = await newUser();
    const profileOwned = (
      await conn.query<{ Id: string }>('SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true LIMIT 1')
    ).records[0]!.Id;
    const unknownSet = `0PS${integration.slice(3, 5)}ZZZZZZZZZZ`;
    const results = (await conn.create(
      'PermissionSetAssignment',
      [
        { AssigneeId: user, PermissionSetId: unknownSet },
        { AssigneeId: `005${user.slice(3, 5)}ZZZZZZZZZZ`, PermissionSetId: integration },
        { AssigneeId: user, PermissionSetId: profileOwned },
        { AssigneeId: user, PermissionSetId: 'not-an-id' },
      ],
      { allOrNone: false },
    )) as Save[];
    expect(results.map((r) => r.errors[0]?.statusCode)).toEqual([
      'INVALID_CROSS_REFERENCE_KEY',
      'INVALID_CROSS_REFERENCE_KEY',
      'INVALID_CROSS_REFERENCE_KEY',
      'MALFORMED_ID',
    ]);
    expect(sim.admin.permissionSetsOf(sim.orgId, user)).toEqual([]);
  });

  it('rolls back an allOrNone Collections insert when one assignment fails', async () => {
    const user = await newUser();
    const results = (await conn.create(
      'PermissionSetAssignment',
      [
        { AssigneeId: user, PermissionSetId: integration },
        { AssigneeId: user, PermissionSetId: integration },
      ],
      { allOrNone: true },
    )) as Save[];
    expect(results.map((r) => r.errors[0]?.statusCode)).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'DUPLICATE_VALUE',
    ]);
    expect(sim.admin.permissionSetsOf(sim.orgId, user)).toEqual([]);
  });

  it('deletes assignments one by one (DELETE sobjects) and through Collections (DELETE composite/sobjects?ids=)', async () => {
    const user = await newUser();
    const [a, b] = (await conn.create(
      'PermissionSetAssignment',
      [
        { AssigneeId: user, PermissionSetId: integration },
        { AssigneeId: user, PermissionSetId: marketing },
      ],
      { allOrNone: false },
    )) as Save[];
    await conn.sobject('PermissionSetAssignment').destroy(a?.id as string);
    expect(sim.admin.permissionSetsOf(sim.orgId, user)).toEqual(['Marketing_Tools']);
    const gone = await caught(() => conn.sobject('PermissionSetAssignment').destroy(a?.id as string));
    expect(gone.name).toBe('NOT_FOUND');

    const before = sim.admin.requestCounts()['DELETE /services/data/:version/composite/sobjects'] ?? 0;
    const results = (await conn.destroy('PermissionSetAssignment', [b?.id as string, a?.id as string, user], {
      allOrNone: false,
    })) as Save[];
    expect(sim.admin.requestCounts()['DELETE /services/data/:version/composite/sobjects']).toBe(before + 1);
    expect(results.map((r) => [r.success, r.errors[0]?.statusCode])).toEqual([
      [true, undefined],
      [false, 'ENTITY_IS_DELETED'],
      [false, 'INVALID_TYPE_FOR_OPERATION'],
    ]);
    expect(sim.admin.permissionSetsOf(sim.orgId, user)).toEqual([]);
    expect(sim.admin.user(sim.orgId, user)['IsActive']).toBe(true);
  });

  it('undoes a Collections delete with allOrNone when one id fails, and refuses more than 200 ids', async () => {
    const user = await newUser();
    const [a] = (await conn.create('PermissionSetAssignment', [{ AssigneeId: user, PermissionSetId: integration }], {
      allOrNone: false,
    })) as Save[];
    const results = (await conn.destroy('PermissionSetAssignment', [a?.id as string, 'bogus'], {
      allOrNone: true,
    })) as Save[];
    expect(results.map((r) => r.errors[0]?.statusCode)).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'MALFORMED_ID']);
    expect(sim.admin.permissionSetsOf(sim.orgId, user)).toEqual(['Integration']);
    const ids = Array.from({ length: 201 }, () => a?.id as string);
    const tooMany = await caught(() => conn.destroy('PermissionSetAssignment', ids, { allOrNone: false }));
    expect(tooMany.name).toBe('EXCEEDED_ID_LIMIT');
  });

  it('lets the admin API delete a permission set with its assignments, and refuses to delete a role in use', async () => {
    const user = await newUser({ UserRoleId: salesRep });
    sim.admin.assignPermissionSet(sim.orgId, user, 'Marketing_Tools');
    const admin = `${sim.url}/__admin/orgs/${sim.orgId}`;
    expect((await fetch(`${admin}/permission-sets/Marketing_Tools`, { method: 'DELETE' })).status).toBe(204);
    expect(await (await fetch(`${admin}/users/${user}/permission-sets`)).json()).toEqual([]);
    expect(sim.admin.summary(sim.orgId).permissionSets.map((p) => p.name)).not.toContain('Marketing_Tools');
    expect((await fetch(`${admin}/roles/Sales%20Rep`, { method: 'DELETE' })).status).toBe(409);
    // A role with subordinate roles cannot be deleted either.
    expect((await fetch(`${admin}/roles/CEO`, { method: 'DELETE' })).status).toBe(409);
    expect(sim.admin.summary(sim.orgId).roles.map((r) => r.name)).toContain('CEO');
  });
});
