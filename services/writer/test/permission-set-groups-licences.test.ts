import { createKafkaClient } from '@provision/kafka';
import { type SalesforceSim, startSalesforceSim } from '@provision/salesforce-sim';
import { test } from '@provision/testkit/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createCommand, createTopics, publishCommands, readResults, startWriter } from './harness.ts';

let sim: SalesforceSim;
// The mapping behind these commands: the writer refuses an entitlement no rule of its mapping names.
const rules = {
  permissionSets: ['Sales_Console_Access'],
  permissionSetGroups: ['Console_Agents', 'Sales_Operations', 'Service_Agents'],
  permissionSetLicenses: ['SalesConsoleUser', 'IdentityConnect'],
};

beforeAll(async () => {
  // The default org: licences SalesConsoleUser ×3 and IdentityConnect ×1; the set Sales_Console_Access
  // and the group Console_Agents need SalesConsoleUser; Service_Agents is Outdated.
  sim = await startSalesforceSim();
});

afterAll(async () => {
  await sim?.close();
});

describe('writer permission set groups and licences against Kafka, Redis and salesforce-sim', () => {
  test('gives the licence before the set and group that need it, reports each old → new, and takes the licence back last', async ({
    kafka,
    redis,
  }) => {
    const topics = await createTopics(kafka);
    const domain = `psg-${kafka.prefix}.example.com`;
    const userId = `${kafka.prefix}-psg-1`;
    const create = {
      ...createCommand(1, { domain, userId }),
      permissionSets: { add: ['Sales_Console_Access'], remove: [] },
      permissionSetGroups: { add: ['Console_Agents', 'Sales_Operations'], remove: [] },
      permissionSetLicenses: { add: ['SalesConsoleUser'], remove: [] },
    };
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: 'test' });
    await publishCommands(client, topics.commands, [create]);
    const writer = await startWriter({ kafka, redis, sim, topics, groupId: kafka.groupId('writer'), rules });
    try {
      const [created] = await readResults(kafka, topics.results, 1);
      expect(created).toMatchObject({ status: 'success', linkedBy: 'created', error: null });
      const id = created?.salesforceId as string;
      expect(sim.admin.permissionSetLicensesOf(sim.orgId, id)).toEqual(['SalesConsoleUser']);
      expect(sim.admin.permissionSetGroupsOf(sim.orgId, id)).toEqual(['Console_Agents', 'Sales_Operations']);
      expect(sim.admin.permissionSetsOf(sim.orgId, id)).toEqual(['Sales_Console_Access']);
      expect(created?.modifiedProperties).toEqual(
        expect.arrayContaining([
          { name: 'PermissionSetLicenses', oldValue: [], newValue: ['SalesConsoleUser'] },
          { name: 'PermissionSets', oldValue: [], newValue: ['Sales_Console_Access'] },
          { name: 'PermissionSetGroups', oldValue: [], newValue: ['Console_Agents', 'Sales_Operations'] },
        ]),
      );

      // The user leaves the Entra group: the group, the set and the licence go, the licence last.
      const update = {
        ...createCommand(1, { domain, userId }),
        action: 'update' as const,
        fields: {},
        permissionSets: { add: [], remove: ['Sales_Console_Access'] },
        permissionSetGroups: { add: [], remove: ['Console_Agents', 'Sales_Operations'] },
        permissionSetLicenses: { add: [], remove: ['SalesConsoleUser'] },
      };
      await publishCommands(client, topics.commands, [update]);
      const results = await readResults(kafka, topics.results, 2);
      const left = results.find((r) => r.commandId === update.commandId);
      expect(left).toMatchObject({ status: 'success', salesforceId: id, error: null });
      expect(left?.modifiedProperties).toEqual([
        { name: 'PermissionSetLicenses', oldValue: ['SalesConsoleUser'], newValue: [] },
        { name: 'PermissionSets', oldValue: ['Sales_Console_Access'], newValue: [] },
        { name: 'PermissionSetGroups', oldValue: ['Console_Agents', 'Sales_Operations'], newValue: [] },
      ]);
      expect(sim.admin.permissionSetLicensesOf(sim.orgId, id)).toEqual([]);
      expect(sim.admin.permissionSetGroupsOf(sim.orgId, id)).toEqual([]);
    } finally {
      await client.close();
      await writer.stop();
    }
  });

  test('counts licences: the user past IdentityConnect fails as SalesforceLicenseLimitExceeded naming it, the others provisioned; a group not Updated is named too', async ({
    kafka,
    redis,
  }) => {
    const topics = await createTopics(kafka);
    const domain = `psl-${kafka.prefix}.example.com`;
    const commands = [1, 2].map((n) => ({
      ...createCommand(n, { domain, userId: `${kafka.prefix}-psl-${n}` }),
      permissionSetLicenses: { add: ['IdentityConnect'], remove: [] },
    }));
    const outdated = {
      ...createCommand(3, { domain, userId: `${kafka.prefix}-psl-3` }),
      permissionSetGroups: { add: ['Service_Agents'], remove: [] },
    };
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: 'test' });
    await publishCommands(client, topics.commands, [...commands, outdated]);
    await client.close();
    const writer = await startWriter({ kafka, redis, sim, topics, groupId: kafka.groupId('writer'), rules });
    try {
      const results = await readResults(kafka, topics.results, 3);
      const [a, b, third] = [...commands, outdated].map((c) => results.find((r) => r.commandId === c.commandId));
      // One of the two gets the only licence (two flushes may race for it: then Salesforce refuses one).
      const statuses = [a, b].map((r) => r?.status).sort();
      expect(statuses).toEqual(['failure', 'success']);
      const refused = [a, b].find((r) => r?.status === 'failure');
      expect(refused).toMatchObject({
        linkedBy: 'created',
        error: { code: 'SalesforceLicenseLimitExceeded', fields: ['PermissionSetLicenses'], retriable: false },
      });
      expect(refused?.error?.message).toContain(
        "No permission set licence 'IdentityConnect' (Identity Connect) is left",
      );
      expect(refused?.error?.recommendedAction).toMatch(/permission set licence/);
      expect(sim.admin.user(sim.orgId, refused?.salesforceId as string)['IsActive']).toBe(true);
      expect(third).toMatchObject({
        status: 'failure',
        error: { code: 'SalesforcePermissionSetGroupNotUpdated', fields: ['PermissionSetGroupId'] },
      });
      expect(third?.error?.recommendedAction).toMatch(/recalculated/);
    } finally {
      await writer.stop();
    }
  });
});
