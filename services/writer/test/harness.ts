import { ProvisioningCommandV1, type ProvisioningResultV1, TOPIC_SCHEMAS, TOPICS } from '@provision/events';
import { createKafkaClient, type KafkaClient } from '@provision/kafka';
import { JsforceSalesforceGateway } from '@provision/salesforce';
import type { SalesforceSim } from '@provision/salesforce-sim';
import type { KafkaFixture, RedisFixture } from '@provision/testkit';
import { Redis } from 'ioredis';
import { GatewayDirectory } from '../src/adapters/gateway-directory.ts';
import { kafkaCommandSource, kafkaResultSink } from '../src/adapters/kafka-io.ts';
import { RedisLinkStore, RedisQuarantineStore, RedisRateBudget } from '../src/adapters/redis-stores.ts';
import { systemClock } from '../src/adapters/system-clock.ts';
import { buildService, type ResultSink, type WriterService, type WriterSettings } from '../src/app.ts';

/** The topics of one test. */
export async function createTopics(kafka: KafkaFixture): Promise<{ commands: string; results: string }> {
  return {
    commands: await kafka.createTopic({ name: 'commands', partitions: 3 }),
    results: await kafka.createTopic({ name: 'results', partitions: 3 }),
  };
}

/** A create command for `name@<domain>`, as the mapper would send it. */
export function createCommand(
  n: number,
  options: { domain?: string; profile?: string; userId?: string } = {},
): ProvisioningCommandV1 {
  const username = `u${n}@${options.domain ?? 'contoso.com'}`;
  return ProvisioningCommandV1.parse({
    commandId: `cmd-${n}-${Math.random().toString(36).slice(2)}`,
    changeId: `change-${n}`,
    userId: options.userId ?? `entra-${n}`,
    action: 'create',
    fields: {
      Username: username,
      Email: username,
      FirstName: 'User',
      LastName: `Number${n}`,
      Alias: `u${n}`.slice(0, 8),
      ProfileName: options.profile ?? 'Chatter Free User',
      IsActive: true,
      TimeZoneSidKey: 'America/Los_Angeles',
      LocaleSidKey: 'en_US',
      LanguageLocaleKey: 'en_US',
      EmailEncodingKey: 'UTF-8',
    },
    modifiedProperties: [],
    matching: { attribute: 'Username', value: username },
    reasons: [{ code: 'in-scope', message: 'Assigned' }],
    issuedAt: new Date().toISOString(),
  });
}

/** Puts commands on the commands topic, keyed by Entra user id, with CloudEvents headers. */
export async function publishCommands(
  client: KafkaClient,
  topic: string,
  commands: readonly ProvisioningCommandV1[],
): Promise<void> {
  const producer = await client.producer({ source: 'test/mapper' });
  try {
    await producer.send(
      commands.map((value) => ({
        topic,
        key: value.userId,
        value,
        type: TOPIC_SCHEMAS[TOPICS.commands].cloudEventType,
      })),
    );
  } finally {
    await producer.disconnect();
  }
}

/** The results on the results topic, parsed. */
export async function readResults(kafka: KafkaFixture, topic: string, count: number): Promise<ProvisioningResultV1[]> {
  const messages = await kafka.waitForMessages(topic, count, { timeout: 30_000 });
  return messages.map((m) => JSON.parse(m.value ?? 'null') as ProvisioningResultV1);
}

export interface RunningWriter {
  readonly service: WriterService;
  readonly redis: Redis;
  stop(): Promise<void>;
}

/** A writer wired as `main.ts` wires it, against the test's Kafka, Redis and simulator. */
export async function startWriter(options: {
  kafka: KafkaFixture;
  redis: RedisFixture;
  sim: SalesforceSim;
  topics: { commands: string; results: string };
  groupId: string;
  /** Wraps the real sink (to make it fail). */
  sink?: (real: ResultSink) => ResultSink;
  quarantine?: WriterSettings['quarantine'];
  /** The mapping's usernameCollision suffix. */
  usernameSuffix?: string;
}): Promise<RunningWriter> {
  const client = createKafkaClient({ brokers: options.kafka.brokers, clientId: 'writer-test' });
  const producer = await client.producer({ source: 'provision/writer' });
  const redis = new Redis(options.redis.url);
  const gateway = new JsforceSalesforceGateway({
    auth: {
      kind: 'password',
      username: options.sim.credentials.username,
      password: options.sim.credentials.password,
      securityToken: options.sim.credentials.securityToken,
    },
    loginUrl: options.sim.loginUrl,
    version: '62.0',
  });
  const budget = new RedisRateBudget(redis, { prefix: options.redis.prefix, perMinute: 1000, clock: systemClock });
  const real = kafkaResultSink(producer, options.topics.results);
  const silent = { info: () => {}, warn: () => {}, error: () => {} };
  const service = buildService({
    source: kafkaCommandSource({
      client,
      groupId: options.groupId,
      topic: options.topics.commands,
      batchSize: 1000,
      partitionsConcurrently: 3,
      sessionTimeoutMs: 10_000,
    }),
    sink: options.sink ? options.sink(real) : real,
    directory: new GatewayDirectory(gateway, { budget }),
    links: new RedisLinkStore(redis, options.redis.prefix),
    budget,
    quarantineStore: new RedisQuarantineStore(redis, options.redis.prefix),
    clock: systemClock,
    logger: silent,
    settings: {
      dryRun: false,
      maxBatch: 1000,
      lingerMs: 50,
      valuesPerQuery: 500,
      usernameSuffix: options.usernameSuffix,
      quarantine: options.quarantine ?? { threshold: 3, baseDelayMs: 60_000, maxDelayMs: 600_000, retryDelayMs: 1_000 },
    },
  });
  await service.start();
  return {
    service,
    redis,
    async stop() {
      await service.stop();
      await producer.disconnect();
      await client.close();
      redis.disconnect();
    },
  };
}
