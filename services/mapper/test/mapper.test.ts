import { randomUUID } from 'node:crypto';
import { type DirectoryEventV1, ProvisioningCommandV1, TOPICS } from '@provision/events';
import { createKafkaClient, type KafkaClient } from '@provision/kafka';
import { createLogger, createMetrics } from '@provision/telemetry';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { createService } from '../src/compose.ts';
import { readConfig } from '../src/config.ts';

const at = new Date().toISOString();
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The mapper as `main.ts` builds it (`createService`), against the test's Kafka and Redis. */
async function startMapper(brokers: string, redisUrl: string, prefix: string, redisPrefix: string) {
  const logger = createLogger({ service: 'mapper', level: 'warn' });
  const config = readConfig({
    KAFKA_BROKERS: brokers,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    TOPIC_PREFIX: prefix,
    KAFKA_PARTITIONS: '3',
    DEACTIVATION_GUARD_THRESHOLD: '0',
    HTTP_PORT: '0',
    AUTH_TENANT_ID: '7c1f3b2a-0d4e-4f6a-9b8c-1e2d3c4b5a69',
    AUTH_AUDIENCE: 'api://provision',
    AUTH_AUTHORITY_HOST: 'https://login.test',
  });
  const topics = {
    directory: `${prefix}${TOPICS.directory}`,
    commands: `${prefix}${TOPICS.commands}`,
    liveCommands: `${prefix}${TOPICS.liveCommands}`,
    results: `${prefix}${TOPICS.results}`,
  };
  const kafka: KafkaClient = createKafkaClient({ brokers, clientId: `${prefix}test` });
  // The writer's topic, which the mapper reads its results from.
  await kafka.ensureTopics([{ topic: topics.results, partitions: 3 }]);
  const { service, close } = await createService(config, { logger, metrics: createMetrics('mapper') });
  await service.start();
  cleanups.push(async () => {
    await service.stop();
    await service.http.close();
    await close();
    await kafka.close();
  });
  return { kafka, topics, service };
}

test('turns directory facts on Kafka into keyed commands that carry the trace and CloudEvents headers, a notified change in the live lane', async ({
  kafka,
  redis,
}) => {
  const prefix = `${kafka.prefix}.`;
  const { kafka: client, topics } = await startMapper(kafka.brokers, redis.url, prefix, redis.prefix);
  const producer = await client.producer({ source: '/test/ingestor' });
  const userId = randomUUID();
  const events: DirectoryEventV1[] = [
    {
      type: 'user.upserted',
      eventId: randomUUID(),
      syncId: 'incr-1',
      observedAt: at,
      userId,
      complete: true,
      attributes: {
        userPrincipalName: 'megan.bowen@contoso.com',
        mail: 'megan.bowen@contoso.com',
        givenName: 'Megan',
        surname: 'Bowen',
        accountEnabled: true,
      },
    },
    {
      type: 'assignment.changed',
      eventId: randomUUID(),
      syncId: 'incr-1',
      observedAt: at,
      userId,
      assignmentId: 'a1',
      principalType: 'User',
      principalId: userId,
      role: { appRoleId: 'r1', roleValue: 'Standard User' },
      change: 'added',
    },
  ];
  await producer.send(
    events.map((value) => ({
      topic: topics.directory,
      key: userId,
      value,
      type: 'com.provision.entra.directory.v1',
      traceparent,
    })),
  );

  // A user never commanded before has nothing unanswered to wait behind: the live lane.
  const [message] = await kafka.waitForMessages(topics.liveCommands, 1, { timeout: 30_000 });
  expect(message?.key).toBe(userId);
  const command = ProvisioningCommandV1.parse(JSON.parse(message!.value!));
  expect(command).toMatchObject({
    action: 'create',
    userId,
    fields: { Username: 'megan.bowen@contoso.com', ProfileName: 'Standard User' },
  });
  expect(message?.headers).toMatchObject({
    ce_type: 'com.provision.provisioning.command.v1',
    ce_id: command.commandId,
    ce_specversion: '1.0',
  });
  expect(message?.headers.traceparent?.split('-')[1]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  await producer.disconnect();
});

test('keeps a user’s notified change behind its unanswered sync command, then sends the next one live once the writer answered', async ({
  kafka,
  redis,
}) => {
  const prefix = `${kafka.prefix}.`;
  const { kafka: client, topics } = await startMapper(kafka.brokers, redis.url, prefix, redis.prefix);
  const producer = await client.producer({ source: '/test/ingestor' });
  const userId = randomUUID();
  const event = (syncId: string, surname: string): DirectoryEventV1 => ({
    type: 'user.upserted',
    eventId: randomUUID(),
    syncId,
    observedAt: at,
    userId,
    complete: true,
    attributes: {
      userPrincipalName: 'megan.bowen@contoso.com',
      mail: 'megan.bowen@contoso.com',
      givenName: 'Megan',
      surname,
      accountEnabled: true,
    },
  });
  const send = (events: DirectoryEventV1[]) =>
    producer.send(
      events.map((value) => ({
        topic: topics.directory,
        key: 'userId' in value ? value.userId : `sync:${value.syncId}:0`,
        value,
        type: 'com.provision.entra.directory.v1',
      })),
    );
  const assignment: DirectoryEventV1 = {
    type: 'assignment.changed',
    eventId: randomUUID(),
    syncId: 'full-1',
    observedAt: at,
    userId,
    assignmentId: 'a1',
    principalType: 'User',
    principalId: userId,
    role: { appRoleId: 'r1', roleValue: 'Standard User' },
    change: 'added',
  };
  // A full sync of one user in three partitions: its markers go to every partition.
  const markers = (type: 'sync.started' | 'sync.completed') =>
    [0, 1, 2].map((n) => ({ type, eventId: randomUUID(), syncId: 'full-1', mode: 'full' as const, at, n }));
  await producer.send(
    markers('sync.started').map(({ n, ...value }) => ({
      topic: topics.directory,
      key: `sync:full-1:${n}`,
      partition: n,
      value,
      type: 'com.provision.entra.directory.v1',
    })),
  );
  await send([event('full-1', 'Bowen'), assignment]);
  await producer.send(
    markers('sync.completed').map(({ n, ...value }) => ({
      topic: topics.directory,
      key: `sync:full-1:${n}`,
      partition: n,
      value,
      type: 'com.provision.entra.directory.v1',
    })),
  );
  const [create] = await kafka.waitForMessages(topics.commands, 1, { timeout: 30_000 });
  const created = ProvisioningCommandV1.parse(JSON.parse(create!.value!));
  expect(created).toMatchObject({ action: 'create', userId });

  // Not answered yet: the change follows the create in the bulk lane.
  await send([event('delta-1', 'Wilber')]);
  const bulk = await kafka.waitForMessages(topics.commands, 2, { timeout: 30_000 });
  const behind = ProvisioningCommandV1.parse(JSON.parse(bulk[1]!.value!));
  expect(behind).toMatchObject({ action: 'update', userId, fields: { LastName: 'Wilber' } });

  // The writer answers both; the next change goes live.
  const results = await client.producer({ source: '/test/writer' });
  await results.send(
    [created, behind].map((c) => ({
      topic: topics.results,
      key: userId,
      value: {
        commandId: c.commandId,
        changeId: c.changeId,
        userId,
        action: c.action,
        status: 'success',
        salesforceId: '005000000000001AAA',
        linkedBy: 'matched',
        error: null,
        modifiedProperties: [],
        dryRun: false,
        attempt: 1,
        startedAt: at,
        completedAt: at,
        durationMs: 1,
      },
      type: 'com.provision.provisioning.result.v1',
    })),
  );
  // The mapper reads results on its own consumer: a change sent before it did still goes bulk.
  let live: ProvisioningCommandV1 | undefined;
  for (let round = 2; round < 40 && !live; round++) {
    await send([event(`delta-${round}`, `Surname ${round}`)]);
    const [message] = await kafka
      .waitForMessages(topics.liveCommands, 1, { timeout: 1_000 })
      .catch(() => [undefined] as const);
    if (message) live = ProvisioningCommandV1.parse(JSON.parse(message.value!));
  }
  expect(live).toMatchObject({ action: 'update', userId });
  await producer.disconnect();
  await results.disconnect();
});
