import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceSim } from '../src/index.ts';
import { adminConnection, startSim, userRecord } from './helpers.ts';

type Save = {
  id?: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
};

describe('public groups, queues and GroupMember through jsforce', () => {
  let sim: SalesforceSim;
  let conn: Connection;
  let sales: string;
  let leads: string;

  beforeAll(async () => {
    sim = await startSim();
    conn = await adminConnection(sim);
    const groups = sim.admin.summary(sim.orgId).groups;
    sales = groups.find((g) => g.developerName === 'Sales_Team')!.id;
    leads = groups.find((g) => g.developerName === 'Leads_Queue')!.id;
  });
  afterAll(async () => {
    await sim.close();
  });

  async function newUser(): Promise<string> {
    const created = (await conn.sobject('User').create(userRecord(sim))) as Save;
    expect(created.success).toBe(true);
    return created.id as string;
  }

  it('seeds two public groups and two queues, queryable by Type and DeveloperName', async () => {
    const rows = await conn.query<{ DeveloperName: string; Type: string }>(
      "SELECT Id, DeveloperName, Type FROM Group WHERE Type IN ('Regular', 'Queue') ORDER BY DeveloperName",
    );
    expect(rows.records.map((r) => `${r.Type}:${r.DeveloperName}`)).toEqual([
      'Queue:Leads_Queue',
      'Regular:Marketing_Team',
      'Regular:Sales_Team',
      'Queue:Support_Tier_1',
    ]);
  });

  it('adds members through Collections, reads them with the group, and deletes them; a second membership is DUPLICATE_VALUE', async () => {
    const user = await newUser();
    const created = (await conn.create(
      'GroupMember',
      [
        { GroupId: sales, UserOrGroupId: user },
        { GroupId: leads, UserOrGroupId: user },
        { GroupId: sales, UserOrGroupId: user },
      ],
      { allOrNone: false },
    )) as Save[];
    expect(created.map((r) => r.success)).toEqual([true, true, false]);
    expect(created[2]?.errors[0]?.statusCode).toBe('DUPLICATE_VALUE');
    const rows = await conn.query<{ Id: string; Group: { DeveloperName: string; Type: string } }>(
      `SELECT Id, GroupId, Group.DeveloperName, Group.Type FROM GroupMember WHERE UserOrGroupId IN ('${user}')`,
    );
    expect(rows.records.map((r) => `${r.Group.Type}:${r.Group.DeveloperName}`).sort()).toEqual([
      'Queue:Leads_Queue',
      'Regular:Sales_Team',
    ]);
    const removed = (await conn.destroy('GroupMember', [created[0]!.id as string, created[0]!.id as string], {
      allOrNone: false,
    })) as Save[];
    expect(removed.map((r) => r.success)).toEqual([true, false]);
    expect(removed[1]?.errors[0]?.statusCode).toBe('ENTITY_IS_DELETED');
    expect(sim.admin.groupsOf(sim.orgId, user)).toEqual(['Queue:Leads_Queue']);
  });

  it('refuses an unknown group or member with INVALID_CROSS_REFERENCE_KEY naming the field', async () => {
    const user = await newUser();
    const unknownGroup = `00G${sales.slice(3, 5)}ZZZZZZZZZZ`;
    const [result] = (await conn.create('GroupMember', [{ GroupId: unknownGroup, UserOrGroupId: user }], {
      allOrNone: false,
    })) as Save[];
    expect(result).toMatchObject({
      success: false,
      errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', fields: ['GroupId'] }],
    });
  });
});
