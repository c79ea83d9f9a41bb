import type { Connection, SaveResult } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceSim } from '../src/index.ts';
import { adminConnection, startSim, userRecord } from './helpers.ts';

type Save = SaveResult & { id?: string };

// The default org: licences SalesConsoleUser ×3 and IdentityConnect ×1; permission set groups
// Sales_Operations, Console_Agents (needs SalesConsoleUser), Service_Agents (Outdated); public
// groups Sales_Team and Marketing_Team, queues Leads_Queue and Support_Tier_1.
describe('the entitlement admin calls over HTTP', () => {
  let sim: SalesforceSim;
  let conn: Connection;
  let org: string;
  const call = async (method: string, path: string, json?: unknown) => {
    const response = await fetch(`${org}${path}`, {
      method,
      ...(json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text) };
  };
  const newUser = async () =>
    ((await conn.sobject('User').create(userRecord(sim, {}, 'Standard User'))) as Save).id as string;

  beforeAll(async () => {
    sim = await startSim();
    conn = await adminConnection(sim);
    org = `${sim.url}/__admin/orgs/${sim.orgId}`;
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('assigns a permission set group and a permission set licence as Setup does, and lists them', async () => {
    const id = await newUser();
    expect(await call('POST', `/users/${id}/permission-set-licenses`, { name: 'SalesConsoleUser' })).toMatchObject({
      status: 201,
      body: { id: expect.any(String) },
    });
    expect(await call('POST', `/users/${id}/permission-set-groups`, { name: 'Console_Agents' })).toMatchObject({
      status: 201,
    });
    expect(await call('GET', `/users/${id}/permission-set-groups`)).toEqual({ status: 200, body: ['Console_Agents'] });
    expect(await call('GET', `/users/${id}/permission-set-licenses`)).toEqual({
      status: 200,
      body: ['SalesConsoleUser'],
    });
    // The rows are Salesforce's, as the API reads them.
    const rows = await conn.query<{ PermissionSetGroupId: string | null }>(
      `SELECT PermissionSetGroupId FROM PermissionSetAssignment WHERE AssigneeId = '${id}'`,
    );
    expect(rows.records.filter((r) => r.PermissionSetGroupId !== null)).toHaveLength(1);
    // A second assignment of the same is refused, as Setup refuses it.
    const again = await call('POST', `/users/${id}/permission-set-groups`, { name: 'console_agents' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/already holds the permission set group 'console_agents'/);
  });

  it('adds a user to a public group and a queue, and lists them as Type:DeveloperName', async () => {
    const id = await newUser();
    expect((await call('POST', `/users/${id}/groups`, { name: 'Sales_Team' })).status).toBe(201);
    expect((await call('POST', `/users/${id}/groups`, { name: 'Leads_Queue' })).status).toBe(201);
    expect(await call('GET', `/users/${id}/groups`)).toEqual({
      status: 200,
      body: ['Queue:Leads_Queue', 'Regular:Sales_Team'],
    });
    const members = await conn.query(`SELECT Id FROM GroupMember WHERE UserOrGroupId = '${id}'`);
    expect(members.totalSize).toBe(2);
    expect((await call('POST', `/users/${id}/groups`, { name: 'Sales_Team' })).status).toBe(409);
  });

  it('sets a licence total that the API then counts against: past it, LICENSE_LIMIT_EXCEEDED', async () => {
    const licences = await call('GET', '/permission-set-licenses');
    expect(licences.body).toContainEqual({ developerName: 'IdentityConnect', total: 1, used: 0 });
    expect(await call('PATCH', '/permission-set-licenses/IdentityConnect', { total: 0 })).toEqual({
      status: 200,
      body: { developerName: 'IdentityConnect', total: 0, used: 0 },
    });
    const [licence] = (
      await conn.query<{ Id: string }>("SELECT Id FROM PermissionSetLicense WHERE DeveloperName = 'IdentityConnect'")
    ).records;
    const id = await newUser();
    const [result] = (await conn
      .sobject('PermissionSetLicenseAssign')
      .create([{ AssigneeId: id, PermissionSetLicenseId: licence?.Id }])) as Save[];
    expect(result).toMatchObject({ success: false, errors: [{ statusCode: 'LICENSE_LIMIT_EXCEEDED' }] });
    await call('PATCH', '/permission-set-licenses/IdentityConnect', { total: 1 });
    const [granted] = (await conn
      .sobject('PermissionSetLicenseAssign')
      .create([{ AssigneeId: id, PermissionSetLicenseId: licence?.Id }])) as Save[];
    expect(granted).toMatchObject({ success: true });
  });

  it("sets a permission set group's Status: an Outdated group cannot be assigned through the API until Updated", async () => {
    const id = await newUser();
    expect(await call('PATCH', '/permission-set-groups/Sales_Operations', { status: 'Outdated' })).toEqual({
      status: 200,
      body: { developerName: 'Sales_Operations', status: 'Outdated' },
    });
    const [group] = (
      await conn.query<{ Id: string; Status: string }>(
        "SELECT Id, Status FROM PermissionSetGroup WHERE DeveloperName = 'Sales_Operations'",
      )
    ).records;
    expect(group?.Status).toBe('Outdated');
    const assign = () =>
      conn.sobject('PermissionSetAssignment').create([{ AssigneeId: id, PermissionSetGroupId: group?.Id }]);
    expect(((await assign()) as Save[])[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'FIELD_INTEGRITY_EXCEPTION' }],
    });
    await call('PATCH', '/permission-set-groups/Sales_Operations', { status: 'Updated' });
    expect(((await assign()) as Save[])[0]).toMatchObject({ success: true });
  });

  it('answers 400 naming the field for bad input', async () => {
    const id = await newUser();
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', `/users/${id}/permission-set-groups`, {}, /^name is required: a permission set group's DeveloperName/],
      ['POST', `/users/${id}/permission-set-licenses`, { name: 7 }, /^name is required/],
      ['POST', `/users/${id}/groups`, { name: '' }, /^name is required: a public group's or queue's DeveloperName/],
      ['POST', `/users/${id}/permission-set-groups`, { name: 'Nope' }, /^name: no permission set group 'Nope'/],
      ['POST', `/users/${id}/permission-set-licenses`, { name: 'Nope' }, /^name: no permission set licence 'Nope'/],
      ['POST', `/users/${id}/groups`, { name: 'Nope' }, /^name: no group or queue 'Nope'/],
      ['PATCH', '/permission-set-licenses/SalesConsoleUser', {}, /^total is required/],
      ['PATCH', '/permission-set-licenses/SalesConsoleUser', { total: -1 }, /^total must be an integer ≥ 0 \(got -1\)/],
      ['PATCH', '/permission-set-licenses/SalesConsoleUser', { total: '5' }, /^total must be an integer ≥ 0/],
      ['PATCH', '/permission-set-groups/Sales_Operations', { status: 'Done' }, /^status must be one of Updated, /],
      ['PATCH', '/permission-set-groups/Sales_Operations', {}, /^status is required/],
      ['PUT', `/users/${id}/deactivation-blocker`, { reason: 'tired' }, /^reason must be one of defaultLeadOwner/],
      ['PUT', `/users/${id}/deactivation-blocker`, {}, /^reason is required/],
    ];
    for (const [method, path, json, message] of cases) {
      const answer = await call(method, path, json);
      expect(answer.status, `${method} ${path} ${JSON.stringify(json)}`).toBe(400);
      expect(answer.body.error, `${method} ${path}`).toMatch(message);
    }
    // Nothing was changed by the refusals.
    expect((await call('GET', '/permission-set-licenses')).body).toContainEqual(
      expect.objectContaining({ developerName: 'SalesConsoleUser', total: 3 }),
    );
  });

  it('answers 404 for an unknown user, licence, group or org', async () => {
    const nobody = '005000000000099AAA';
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', `/users/${nobody}/permission-set-groups`, { name: 'Sales_Operations' }, /no user '005000000000099AAA'/],
      ['POST', `/users/${nobody}/permission-set-licenses`, { name: 'SalesConsoleUser' }, /no user/],
      ['POST', `/users/${nobody}/groups`, { name: 'Sales_Team' }, /no user/],
      ['GET', `/users/${nobody}/permission-set-groups`, undefined, /no user/],
      ['GET', `/users/${nobody}/permission-set-licenses`, undefined, /no user/],
      ['GET', `/users/${nobody}/groups`, undefined, /no user/],
      ['PUT', `/users/${nobody}/deactivation-blocker`, { reason: 'workflowUser' }, /no user/],
      ['PATCH', '/permission-set-licenses/Nope', { total: 1 }, /^no permission set licence 'Nope' in org/],
      ['PATCH', '/permission-set-groups/Nope', { status: 'Updated' }, /^no permission set group 'Nope' in org/],
    ];
    for (const [method, path, json, message] of cases) {
      const answer = await call(method, path, json);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error, `${method} ${path}`).toMatch(message);
    }
    const otherOrg = await fetch(`${sim.url}/__admin/orgs/00D000000000099AAA/permission-set-licenses`);
    expect(otherOrg.status).toBe(404);
  });

  it("starts the org's load figures afresh", async () => {
    await conn.query('SELECT Id FROM User LIMIT 1');
    expect((await call('GET', '')).body.load.maxInFlight).toBeGreaterThan(0);
    expect(await call('DELETE', '/load')).toEqual({
      status: 200,
      body: {
        maxInFlight: 0,
        maxLongRunning: 0,
        refusedDaily: 0,
        refusedConcurrent: 0,
        requestMs: 0,
        userWriteMs: 0,
        userWriteBusyMs: 0,
      },
    });
  });
});
