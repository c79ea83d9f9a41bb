import type { SalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsforceSalesforceGateway } from '../src/index.ts';
import { newUser, passwordGateway, startSim } from './helpers.ts';

describe('gateway public groups and queues through jsforce', () => {
  let sim: SalesforceSim;
  let gateway: JsforceSalesforceGateway;

  beforeAll(async () => {
    sim = await startSim();
    gateway = passwordGateway(sim);
  });
  afterAll(async () => {
    await gateway.close();
    await sim.close();
  });

  const counts = () => sim.admin.requestCounts();
  const QUERY = 'GET /services/data/:version/query';
  const INSERT = 'POST /services/data/:version/composite/sobjects';
  const delta = (before: Record<string, number>, key: string) => (counts()[key] ?? 0) - (before[key] ?? 0);

  async function created(): Promise<string> {
    const [result] = await gateway.createUsers([newUser()]);
    if (!result?.ok) throw new Error(`create failed: ${JSON.stringify(result)}`);
    return result.id;
  }

  it('joins public groups and queues for many users in one insert, and reads them back', async () => {
    const [a, b] = [await created(), await created()];
    const before = counts();
    const results = await gateway.assignGroupMemberships([
      {
        userId: a,
        add: [
          { type: 'publicGroup', name: 'Sales_Team' },
          { type: 'queue', name: 'leads_queue' },
        ],
        remove: [],
      },
      { userId: b, add: [{ type: 'queue', name: 'Support_Tier_1' }], remove: [], newUser: true },
    ]);
    expect(results).toEqual([
      {
        ok: true,
        userId: a,
        before: { publicGroups: [], queues: [] },
        after: { publicGroups: ['Sales_Team'], queues: ['Leads_Queue'] },
      },
      {
        ok: true,
        userId: b,
        before: { publicGroups: [], queues: [] },
        after: { publicGroups: [], queues: ['Support_Tier_1'] },
      },
    ]);
    // The group list and a's memberships: two queries; one Collections insert for both users.
    expect(delta(before, QUERY)).toBe(2);
    expect(delta(before, INSERT)).toBe(1);
    expect(sim.admin.groupsOf(sim.orgId, a)).toEqual(['Queue:Leads_Queue', 'Regular:Sales_Team']);
    const read = await gateway.groupMembershipsOf([a, b]);
    expect(read.get(a)).toEqual({ publicGroups: ['Sales_Team'], queues: ['Leads_Queue'] });
    expect(read.get(b)).toEqual({ publicGroups: [], queues: ['Support_Tier_1'] });
  });

  it('leaves what it is asked to, sends nothing for a membership already absent, and never confuses a queue with a public group', async () => {
    const user = await created();
    await gateway.assignGroupMemberships([
      {
        userId: user,
        add: [
          { type: 'publicGroup', name: 'Sales_Team' },
          { type: 'publicGroup', name: 'Marketing_Team' },
        ],
        remove: [],
      },
    ]);
    const [left] = await gateway.assignGroupMemberships([
      {
        userId: user,
        add: [],
        remove: [
          { type: 'publicGroup', name: 'Marketing_Team' },
          { type: 'queue', name: 'Sales_Team' },
          { type: 'queue', name: 'Leads_Queue' },
        ],
      },
    ]);
    expect(left).toMatchObject({ ok: true, after: { publicGroups: ['Sales_Team'], queues: [] } });
    expect(sim.admin.groupsOf(sim.orgId, user)).toEqual(['Regular:Sales_Team']);
  });

  it('fails a user asking for an unknown group (SalesforceUnknownGroup) after applying the rest of its change', async () => {
    const user = await created();
    const [result] = await gateway.assignGroupMemberships([
      {
        userId: user,
        add: [
          { type: 'queue', name: 'No_Such_Queue' },
          { type: 'publicGroup', name: 'Sales_Team' },
        ],
        remove: [],
      },
    ]);
    expect(result).toMatchObject({
      ok: false,
      after: { publicGroups: ['Sales_Team'], queues: [] },
      error: { code: 'SalesforceUnknownGroup', retriable: false, fields: ['Queues'] },
    });
    expect(result?.ok === false && result.error.message).toContain("queue 'No_Such_Queue'");
  });

  it('in dry run reads and reports what the user would hold, writing nothing', async () => {
    const user = await created();
    const [result] = await gateway.assignGroupMemberships(
      [{ userId: user, add: [{ type: 'publicGroup', name: 'Sales_Team' }], remove: [] }],
      { dryRun: true },
    );
    expect(result).toMatchObject({ ok: true, after: { publicGroups: ['Sales_Team'], queues: [] } });
    expect(sim.admin.groupsOf(sim.orgId, user)).toEqual([]);
  });
});
