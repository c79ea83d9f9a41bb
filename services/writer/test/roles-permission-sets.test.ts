import { createKafkaClient } from '@provision/kafka';
import { type SalesforceSim, startSalesforceSim } from '@provision/salesforce-sim';
import { test } from '@provision/testkit/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createCommand, createTopics, publishCommands, readResults, startWriter } from './harness.ts';

let sim: SalesforceSim;
// The mapping behind these commands (the writer refuses a role or set no rule gives); Chief Llama
// and No_Such_Set are rules naming what Salesforce does not have.
const rules = {
  roles: ['Sales Rep', 'Chief Llama'],
  permissionSets: ['Sales_Cloud_User', 'Marketing_Tools', 'No_Such_Set'],
};

beforeAll(async () => {
  sim = await startSalesforceSim({
    org: {
      permissionSets: [
        { name: 'Provisioning_Integration', permissions: { ApiEnabled: true, ManageUsers: true } },
        { name: 'Sales_Cloud_User' },
        { name: 'Marketing_Tools' },
        { name: 'Admin_Granted' },
      ],
    },
  });
});

afterAll(async () => {
  await sim?.close();
});

describe('writer roles and permission sets against Kafka, Redis and salesforce-sim', () => {
  test('writes the role and the assignments a command carries, and later removes only the set it names', async ({
    kafka,
    redis,
  }) => {
    const topics = await createTopics(kafka);
    const domain = `sets-${kafka.prefix}.example.com`;
    const userId = `${kafka.prefix}-sets-1`;
    const base = createCommand(1, { domain, userId });
    const create = {
      ...base,
      fields: { ...base.fields, UserRoleName: 'Sales Rep' },
      permissionSets: { add: ['Sales_Cloud_User', 'Marketing_Tools'], remove: [] },
    };
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: 'test' });
    await publishCommands(client, topics.commands, [create]);
    sim.admin.resetRequestCounts();
    const writer = await startWriter({ kafka, redis, sim, topics, groupId: kafka.groupId('writer'), rules });
    try {
      const [created] = await readResults(kafka, topics.results, 1);
      expect(created).toMatchObject({ status: 'success', linkedBy: 'created', error: null });
      const id = created?.salesforceId as string;
      const salesRep = sim.admin.summary(sim.orgId).roles.find((r) => r.name === 'Sales Rep')?.id;
      expect(sim.admin.user(sim.orgId, id)['UserRoleId']).toBe(salesRep);
      expect(sim.admin.permissionSetsOf(sim.orgId, id)).toEqual(['Marketing_Tools', 'Sales_Cloud_User']);
      expect(created?.modifiedProperties).toContainEqual({ name: 'UserRoleName', newValue: 'Sales Rep' });
      expect(created?.modifiedProperties).toContainEqual({
        name: 'PermissionSets',
        oldValue: [],
        newValue: ['Marketing_Tools', 'Sales_Cloud_User'],
      });
      // The user and its two assignments: one Collections insert each; a new user's sets are not read.
      const counts = sim.admin.requestCounts();
      expect(counts['POST /services/data/:version/composite/sobjects']).toBe(2);
      expect(counts['DELETE /services/data/:version/composite/sobjects'] ?? 0).toBe(0);

      // An admin grants a set of their own; Provision then stops granting Marketing_Tools.
      sim.admin.assignPermissionSet(sim.orgId, id, 'Admin_Granted');
      const update = {
        ...createCommand(1, { domain, userId }),
        action: 'update' as const,
        fields: {},
        permissionSets: { add: [], remove: ['Marketing_Tools'] },
      };
      await publishCommands(client, topics.commands, [update]);
      const results = await readResults(kafka, topics.results, 2);
      const removed = results.find((r) => r.commandId === update.commandId);
      expect(removed).toMatchObject({ status: 'success', linkedBy: 'link', salesforceId: id, error: null });
      expect(removed?.modifiedProperties).toEqual([
        {
          name: 'PermissionSets',
          oldValue: ['Admin_Granted', 'Marketing_Tools', 'Sales_Cloud_User'],
          newValue: ['Admin_Granted', 'Sales_Cloud_User'],
        },
      ]);
      expect(sim.admin.permissionSetsOf(sim.orgId, id)).toEqual(['Admin_Granted', 'Sales_Cloud_User']);
      expect(sim.admin.user(sim.orgId, id)['UserRoleId']).toBe(salesRep);
      expect(sim.admin.requestCounts()['DELETE /services/data/:version/composite/sobjects']).toBe(1);
    } finally {
      await client.close();
      await writer.stop();
    }
  });

  test('fails a user whose role does not exist, and one whose permission set does not, with their codes', async ({
    kafka,
    redis,
  }) => {
    const topics = await createTopics(kafka);
    const domain = `unknown-${kafka.prefix}.example.com`;
    const a = createCommand(1, { domain, userId: `${kafka.prefix}-unknown-1` });
    const b = createCommand(2, { domain, userId: `${kafka.prefix}-unknown-2` });
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: 'test' });
    await publishCommands(client, topics.commands, [
      { ...a, fields: { ...a.fields, UserRoleName: 'Chief Llama' } },
      { ...b, permissionSets: { add: ['No_Such_Set'], remove: [] } },
    ]);
    await client.close();
    const writer = await startWriter({ kafka, redis, sim, topics, groupId: kafka.groupId('writer'), rules });
    try {
      const results = await readResults(kafka, topics.results, 2);
      const byUser = new Map(results.map((r) => [r.userId, r]));
      // As an unknown public group: the user is written without the role, and the command fails.
      const withoutRole = byUser.get(a.userId);
      expect(withoutRole).toMatchObject({
        status: 'failure',
        linkedBy: 'created',
        error: { code: 'SalesforceUnknownRole', fields: ['UserRoleName'] },
      });
      const written = sim.admin.user(sim.orgId, withoutRole?.salesforceId as string);
      expect(written['IsActive']).toBe(true);
      expect(written['UserRoleId'] ?? null).toBeNull();
      const withoutSet = byUser.get(b.userId);
      expect(withoutSet).toMatchObject({
        status: 'failure',
        linkedBy: 'created',
        error: { code: 'SalesforceUnknownPermissionSet', fields: ['PermissionSets'] },
      });
      expect(sim.admin.user(sim.orgId, withoutSet?.salesforceId as string)['IsActive']).toBe(true);
    } finally {
      await writer.stop();
    }
  });
});
