import { createKafkaClient } from '@provision/kafka';
import { type SalesforceSim, startSalesforceSim } from '@provision/salesforce-sim';
import { test } from '@provision/testkit/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createCommand, createTopics, publishCommands, readResults, startWriter } from './harness.ts';

let sim: SalesforceSim;

beforeAll(async () => {
  // The default org: public groups Sales_Team and Marketing_Team, queues Leads_Queue and Support_Tier_1.
  sim = await startSalesforceSim();
});

afterAll(async () => {
  await sim?.close();
});

const sales = { type: 'publicGroup' as const, name: 'Sales_Team' };
const marketing = { type: 'publicGroup' as const, name: 'Marketing_Team' };
const leads = { type: 'queue' as const, name: 'Leads_Queue' };
// The mapping behind these commands (the writer refuses joins no rule names); No_Such_Queue is a
// rule naming a queue Salesforce does not have.
const rules = { publicGroups: ['Sales_Team', 'Marketing_Team'], queues: ['Leads_Queue', 'No_Such_Queue'] };

describe('writer public groups and queues against Kafka, Redis and salesforce-sim', () => {
  test('joins the groups and queues a command carries, reports them, and later leaves only the ones it names', async ({
    kafka,
    redis,
  }) => {
    const topics = await createTopics(kafka);
    const domain = `groups-${kafka.prefix}.example.com`;
    const userId = `${kafka.prefix}-groups-1`;
    const create = { ...createCommand(1, { domain, userId }), groupMemberships: { add: [sales, leads], remove: [] } };
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: 'test' });
    await publishCommands(client, topics.commands, [create]);
    sim.admin.resetRequestCounts();
    const writer = await startWriter({ kafka, redis, sim, topics, groupId: kafka.groupId('writer'), rules });
    try {
      const [created] = await readResults(kafka, topics.results, 1);
      expect(created).toMatchObject({ status: 'success', linkedBy: 'created', error: null });
      const id = created?.salesforceId as string;
      expect(sim.admin.groupsOf(sim.orgId, id)).toEqual(['Queue:Leads_Queue', 'Regular:Sales_Team']);
      expect(created?.modifiedProperties).toContainEqual({
        name: 'PublicGroups',
        oldValue: [],
        newValue: ['Sales_Team'],
      });
      expect(created?.modifiedProperties).toContainEqual({ name: 'Queues', oldValue: [], newValue: ['Leads_Queue'] });
      // The user, then both memberships in one Collections insert; a new user's memberships are not read.
      expect(sim.admin.requestCounts()['POST /services/data/:version/composite/sobjects']).toBe(2);

      // An admin adds the user to Marketing_Team in Salesforce; the user then leaves the Entra group
      // behind Sales_Team and Leads_Queue (merge: the mapper names only what Provision granted).
      sim.admin.addGroupMember(sim.orgId, id, 'Marketing_Team');
      const update = {
        ...createCommand(1, { domain, userId }),
        action: 'update' as const,
        fields: {},
        groupMemberships: { add: [], remove: [sales, leads] },
      };
      await publishCommands(client, topics.commands, [update]);
      const results = await readResults(kafka, topics.results, 2);
      const left = results.find((r) => r.commandId === update.commandId);
      expect(left).toMatchObject({ status: 'success', linkedBy: 'link', salesforceId: id, error: null });
      expect(left?.modifiedProperties).toEqual([
        { name: 'PublicGroups', oldValue: ['Marketing_Team', 'Sales_Team'], newValue: ['Marketing_Team'] },
        { name: 'Queues', oldValue: ['Leads_Queue'], newValue: [] },
      ]);
      expect(sim.admin.groupsOf(sim.orgId, id)).toEqual(['Regular:Marketing_Team']);

      // Authoritative: the command names every named group the user should not hold; the one held goes.
      const strict = {
        ...createCommand(1, { domain, userId }),
        action: 'update' as const,
        fields: {},
        groupMemberships: { add: [], remove: [marketing, sales, leads] },
      };
      await publishCommands(client, topics.commands, [strict]);
      const all = await readResults(kafka, topics.results, 3);
      expect(all.find((r) => r.commandId === strict.commandId)?.modifiedProperties).toEqual([
        { name: 'PublicGroups', oldValue: ['Marketing_Team'], newValue: [] },
      ]);
      expect(sim.admin.groupsOf(sim.orgId, id)).toEqual([]);
    } finally {
      await client.close();
      await writer.stop();
    }
  });

  test('fails a user whose queue does not exist with SalesforceUnknownGroup and its recommended action, the user still created', async ({
    kafka,
    redis,
  }) => {
    const topics = await createTopics(kafka);
    const domain = `nogroup-${kafka.prefix}.example.com`;
    const command = {
      ...createCommand(1, { domain, userId: `${kafka.prefix}-nogroup-1` }),
      groupMemberships: { add: [sales, { type: 'queue' as const, name: 'No_Such_Queue' }], remove: [] },
    };
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: 'test' });
    await publishCommands(client, topics.commands, [command]);
    await client.close();
    const writer = await startWriter({ kafka, redis, sim, topics, groupId: kafka.groupId('writer'), rules });
    try {
      const [result] = await readResults(kafka, topics.results, 1);
      expect(result).toMatchObject({
        status: 'failure',
        linkedBy: 'created',
        error: { code: 'SalesforceUnknownGroup', fields: ['Queues'], retriable: false },
      });
      expect(result?.error?.message).toContain("queue 'No_Such_Queue'");
      expect(result?.error?.recommendedAction).toMatch(/groupMembershipRules/);
      const id = result?.salesforceId as string;
      expect(sim.admin.user(sim.orgId, id)['IsActive']).toBe(true);
      expect(sim.admin.groupsOf(sim.orgId, id)).toEqual(['Regular:Sales_Team']);
      expect(result?.modifiedProperties).toContainEqual({
        name: 'PublicGroups',
        oldValue: [],
        newValue: ['Sales_Team'],
      });
    } finally {
      await writer.stop();
    }
  });
});
