import { createKafkaClient } from '@provision/kafka';
import { type SalesforceSim, startSalesforceSim } from '@provision/salesforce-sim';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createCommand, createTopics, publishCommands, readResults, startWriter } from './harness.ts';

let sim: SalesforceSim;

beforeAll(async () => {
  sim = await startSalesforceSim();
});

afterAll(async () => {
  await sim?.close();
});

const usersOf = (domain: string) =>
  sim.admin.users(sim.orgId).filter((u) => String(u['Username']).endsWith(`@${domain}`));

describe('writer against Kafka, Redis and salesforce-sim', () => {
  test('creates 1,000 users in one Composite call of five Collections calls, with few API calls in all', async ({
    kafka,
    redis,
  }) => {
    const topics = await createTopics(kafka);
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: 'test' });
    const domain = `bulk-${kafka.prefix}.example.com`;
    const commands = Array.from({ length: 1000 }, (_, i) =>
      createCommand(i, { domain, userId: `${kafka.prefix}-bulk-${i}` }),
    );
    await publishCommands(client, topics.commands, commands);
    await client.close();
    sim.admin.resetRequestCounts();

    // The partitions' commands come in several fetches (512 KiB each): a quiet period of 250 ms, not
    // the harness's 50, lets them meet in one flush however busy the machine running the tests is.
    const writer = await startWriter({
      kafka,
      redis,
      sim,
      topics,
      groupId: kafka.groupId('writer'),
      settings: { WRITER_LINGER_MS: '250' },
    });
    try {
      const results = await readResults(kafka, topics.results, 1000);
      expect(results).toHaveLength(1000);
      expect(results.every((r) => r.status === 'success' && r.linkedBy === 'created')).toBe(true);
      expect(usersOf(domain)).toHaveLength(1000);
      // Each result says how long its command took (from the flush starting); how long that is
      // under load is the latency benchmark's to measure (bench/latency.ts), not a shared machine's.
      expect(results.every((r) => Number.isFinite(r.durationMs) && r.durationMs >= 0)).toBe(true);

      const counts = sim.admin.requestCounts();
      const total = Object.values(counts).reduce((n, v) => n + v, 0);
      // The linger merges the three partitions' batches: the 1,000 records go as five Collections
      // calls of 200 inside one Composite call, none as a Collections call of its own.
      expect(counts['POST /services/data/:version/composite/sobjects'] ?? 0).toBe(0);
      // 1 login, 2 start-up checks of the integration user (its profile's permissions, then its
      // permission sets'), 1 profile list, 1 Composite call of the matching queries (the harness
      // asks about at most 500 usernames per query: two queries, subrequests of one call), 1
      // Composite call of the creates: 6 calls.
      expect(counts['GET /services/data/:version/query'] ?? 0).toBeLessThanOrEqual(3);
      expect(counts['POST /services/data/:version/composite'] ?? 0).toBe(2);
      expect(total).toBeLessThanOrEqual(6);
    } finally {
      await writer.stop();
    }
  });

  test('creates a user whose username another org holds with the usernameCollision suffix, through jsforce', async ({
    kafka,
    redis,
  }) => {
    const topics = await createTopics(kafka);
    const domain = `suffix-${kafka.prefix}.example.com`;
    const other = await sim.admin.createOrg({ name: 'Org holding the username', users: [] });
    const taken = createCommand(1, { domain, profile: 'Standard User', userId: `${kafka.prefix}-1` });
    sim.admin.addUsers(other.orgId, [{ ...taken.fields, ProfileName: 'Standard User' }]);
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: 'test' });
    await publishCommands(client, topics.commands, [taken]);
    await client.close();
    const writer = await startWriter({
      kafka,
      redis,
      sim,
      topics,
      groupId: kafka.groupId('writer'),
      usernameSuffix: '.acme',
    });
    try {
      const [result] = await readResults(kafka, topics.results, 1);
      const username = `${String(taken.fields['Username'])}.acme`;
      expect(result).toMatchObject({
        status: 'warning',
        linkedBy: 'created',
        error: { code: 'SalesforceUsernameSuffixed', fields: ['Username'] },
      });
      expect(result?.modifiedProperties).toContainEqual({ name: 'Username', newValue: username });
      const mine = sim.admin.users(sim.orgId).filter((u) => String(u['Username']).includes(`@${domain}`));
      expect(mine.map((u) => u['Username'])).toEqual([username]);
    } finally {
      await writer.stop();
    }
  });

  test('matches an existing user, and classifies a username taken in another org and a spent licence', async ({
    kafka,
    redis,
  }) => {
    const topics = await createTopics(kafka);
    const domain = `mixed-${kafka.prefix}.example.com`;
    const existing = createCommand(1, { domain, profile: 'Standard User', userId: `${kafka.prefix}-1` });
    const [existingId] = sim.admin.addUsers(sim.orgId, [{ ...existing.fields, LastName: 'Before', IsActive: true }]);
    const other = await sim.admin.createOrg({ name: 'Other org', users: [] });
    const duplicate = createCommand(2, { domain, userId: `${kafka.prefix}-2` });
    sim.admin.addUsers(other.orgId, [{ ...duplicate.fields, ProfileName: 'Standard User' }]);
    const licence = sim.admin.summary(sim.orgId).licences.find((l) => l.name === 'Salesforce');
    sim.admin.updateOrg(sim.orgId, { licences: { Salesforce: licence?.used ?? 0 } });
    const overLicence = createCommand(3, { domain, profile: 'Standard User', userId: `${kafka.prefix}-3` });

    const client = createKafkaClient({ brokers: kafka.brokers, clientId: 'test' });
    await publishCommands(client, topics.commands, [existing, duplicate, overLicence]);
    await client.close();
    const writer = await startWriter({ kafka, redis, sim, topics, groupId: kafka.groupId('writer') });
    try {
      const results = await readResults(kafka, topics.results, 3);
      const byUser = new Map(results.map((r) => [r.userId, r]));
      expect(byUser.get(existing.userId)).toMatchObject({
        status: 'success',
        linkedBy: 'matched',
        salesforceId: existingId,
        modifiedProperties: [{ name: 'LastName', oldValue: 'Before', newValue: 'Number1' }],
      });
      expect(byUser.get(duplicate.userId)).toMatchObject({
        status: 'failure',
        error: { code: 'SalesforceDuplicateUserName', fields: ['Username'], recommendedAction: expect.any(String) },
      });
      expect(byUser.get(overLicence.userId)).toMatchObject({
        status: 'failure',
        error: { code: 'SalesforceLicenseLimitExceeded', retriable: false },
      });
      expect(usersOf(domain)).toHaveLength(1);
      expect(await writer.redis.get(`${redis.prefix}link:${existing.userId}`)).toBe(existingId);
    } finally {
      await writer.stop();
      sim.admin.updateOrg(sim.orgId, { licences: { Salesforce: licence?.total ?? 100 } });
    }
  });

  test('a writer that crashed after Salesforce answered but before committing creates no second user on redelivery', async ({
    kafka,
    redis,
  }) => {
    const topics = await createTopics(kafka);
    const domain = `crash-${kafka.prefix}.example.com`;
    const commands = Array.from({ length: 30 }, (_, i) =>
      createCommand(i, { domain, userId: `${kafka.prefix}-c${i}` }),
    );
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: 'test' });
    await publishCommands(client, topics.commands, commands);
    await client.close();
    const groupId = kafka.groupId('writer');

    // First life: Salesforce creates the users, then the process "dies" before any result or offset
    // commit (its result publishing never succeeds), and Redis is lost too.
    let publishAttempts = 0;
    const first = await startWriter({
      kafka,
      redis,
      sim,
      topics,
      groupId,
      sink: () => ({
        publish: async () => {
          publishAttempts++;
          throw new Error('killed before the results were published');
        },
      }),
    });
    await waitFor(() => usersOf(domain).length === 30 && publishAttempts > 0, { timeout: 20_000 });
    await first.stop();
    expect(await kafka.committedOffset(groupId, topics.commands, 0)).toBe('-1');
    await redis.cleanup();

    // Second life: every command is redelivered; each user is found by Username, none is created again.
    const second = await startWriter({ kafka, redis, sim, topics, groupId });
    try {
      const results = await readResults(kafka, topics.results, 30);
      expect(results).toHaveLength(30);
      expect(results.every((r) => r.status === 'success' && r.linkedBy === 'matched')).toBe(true);
      expect(usersOf(domain)).toHaveLength(30);
      await waitFor(async () => (await kafka.committedOffset(groupId, topics.commands, 0)) !== '-1');
    } finally {
      await second.stop();
    }
  });
});

describe('writer quarantine', () => {
  test('quarantines while Salesforce refuses the job, publishes the state in Redis, and resumes losing nothing', async ({
    kafka,
    redis,
  }) => {
    const topics = await createTopics(kafka);
    const domain = `quarantine-${kafka.prefix}.example.com`;
    const commands = Array.from({ length: 5 }, (_, i) => createCommand(i, { domain, userId: `${kafka.prefix}-q${i}` }));
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: 'test' });
    await publishCommands(client, topics.commands, commands);
    await client.close();
    const { settings } = sim.admin.summary(sim.orgId);
    sim.admin.updateOrg(sim.orgId, { apiUsed: settings.apiDailyLimit });
    const groupId = kafka.groupId('writer');
    const writer = await startWriter({
      kafka,
      redis,
      sim,
      topics,
      groupId,
      quarantine: { threshold: 2, baseDelayMs: 300, maxDelayMs: 600, retryDelayMs: 50 },
    });
    try {
      const state = await waitFor(async () => {
        const raw = await writer.redis.get(`${redis.prefix}writer:quarantine`);
        return raw ? (JSON.parse(raw) as { code: string; since: string }) : undefined;
      });
      expect(state).toMatchObject({ code: 'SalesforceRequestLimitExceeded', since: expect.any(String) });
      expect(writer.service.quarantine()).not.toBeNull();
      expect(usersOf(domain)).toHaveLength(0);

      sim.admin.updateOrg(sim.orgId, { apiUsed: 0 });
      const results = await readResults(kafka, topics.results, 5);
      expect(results.map((r) => r.status)).toEqual(['success', 'success', 'success', 'success', 'success']);
      expect(usersOf(domain)).toHaveLength(5);
      await waitFor(async () => (await writer.redis.get(`${redis.prefix}writer:quarantine`)) === null);
    } finally {
      sim.admin.updateOrg(sim.orgId, { apiUsed: 0 });
      await writer.stop();
    }
  });
});
