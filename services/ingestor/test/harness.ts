import type { AddressInfo } from 'node:net';
import { DirectoryEventV1, TOPICS } from '@provision/events';
import { type GraphSim, startGraphSim } from '@provision/graph-sim';
import { createKafkaClient, outcome } from '@provision/kafka';
import { createLogger, createMetrics } from '@provision/telemetry';
import type { KafkaFixture, RedisFixture } from '@provision/testkit';
import { waitFor } from '@provision/testkit';
import { createService, type Ingestor } from '../src/compose.ts';
import { readConfig } from '../src/config.ts';

export const CLIENT_STATE = 'integration-test-client-state-secret';
export const PARTITIONS = 3;

export interface Received {
  readonly event: DirectoryEventV1;
  readonly partition: number;
  readonly key: string;
}

export interface Harness {
  readonly sim: GraphSim;
  readonly ingestor: Ingestor;
  readonly topic: string;
  /** Everything on the topic so far, in partition order as consumed. */
  readonly received: Received[];
  /** Waits for a round (not one of `known`) to have its `sync.completed` on every partition; returns its sync id. */
  roundCompleted(mode: 'full' | 'incremental', known?: readonly string[]): Promise<string>;
  /** Waits for the first fact matching `match` and for its round to complete; returns the round's sync id. */
  roundWith(match: (event: DirectoryEventV1) => boolean): Promise<string>;
  /** Facts of one sync id. */
  facts(syncId: string): Received[];
  close(): Promise<void>;
}

/**
 * A graph-sim tenant, the ingestor built from configuration as `main.ts` builds it (real Graph
 * client, Kafka, Redis), listening on port 0 with its webhook subscribed, and a consumer of the
 * topic (the `@provision/kafka` runner with the topic schema) collecting what it publishes.
 */
export async function startHarness(
  fixtures: { kafka: KafkaFixture; redis: RedisFixture },
  options: {
    users: number;
    seed: number;
    syncIntervalMs?: number;
    /** The assignments poll; off unless given, so that only the tests about it see its rounds. */
    assignmentPollIntervalMs?: number;
  },
): Promise<Harness> {
  const sim = await startGraphSim({
    seed: options.seed,
    deltaPageSize: 10,
    allowHttpNotificationUrl: true,
    notificationRetry: { initialDelayMs: 50, maxDelayMs: 500 },
  });
  sim.admin.seed({ users: options.users, seed: options.seed });
  const topicPrefix = `${fixtures.kafka.prefix}.`;
  const config = readConfig({
    KAFKA_BROKERS: fixtures.kafka.brokers,
    REDIS_URL: fixtures.redis.url,
    REDIS_PREFIX: fixtures.redis.prefix,
    TOPIC_PREFIX: topicPrefix,
    KAFKA_PARTITIONS: String(PARTITIONS),
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    GRAPH_BASE_URL: sim.url,
    GRAPH_AUTHORITY_HOST: sim.authorityHost,
    GRAPH_TENANT_ID: sim.tenantId,
    GRAPH_CLIENT_ID: sim.clientId,
    GRAPH_CLIENT_SECRET: sim.clientSecret,
    GRAPH_SERVICE_PRINCIPAL_ID: sim.servicePrincipalId,
    SYNC_INTERVAL_MS: String(options.syncIntervalMs ?? 3_600_000),
    ASSIGNMENT_POLL_INTERVAL_MS: String(options.assignmentPollIntervalMs ?? 0),
    WEBHOOK_CLIENT_STATE: CLIENT_STATE,
    AUTH_TENANT_ID: sim.tenantId,
    AUTH_AUTHORITY_HOST: sim.authorityHost,
    AUTH_AUDIENCE: sim.signIn.apiAppId,
  });
  const logger = createLogger({ service: 'ingestor', level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  let port = 0;
  const ingestor = await createService(
    config,
    { logger, metrics: createMetrics('ingestor') },
    { webhookPublicUrl: () => `http://127.0.0.1:${port}` },
  );
  await ingestor.service.http.listen({ port: 0, host: '127.0.0.1' });
  port = (ingestor.service.http.server.address() as AddressInfo).port;

  const topic = `${topicPrefix}${TOPICS.directory}`;
  const reader = await readTopic(fixtures.kafka, topic);
  const { received } = reader;
  await ingestor.service.start();

  const markers = (type: string, mode: string) =>
    received.filter((r) => r.event.type === type && 'mode' in r.event && r.event.mode === mode);

  return {
    sim,
    ingestor,
    topic,
    received,
    async roundCompleted(mode, known = []) {
      return waitFor(
        () => {
          const bySync = new Map<string, Set<number>>();
          for (const r of markers('sync.completed', mode)) {
            if (known.includes(r.event.syncId)) continue;
            const set = bySync.get(r.event.syncId) ?? new Set();
            set.add(r.partition);
            bySync.set(r.event.syncId, set);
          }
          return [...bySync].find(([, partitions]) => partitions.size === PARTITIONS)?.[0];
        },
        { timeout: 30_000, message: `a ${mode} round completed on every partition` },
      );
    },
    async roundWith(match) {
      const fact = await waitFor(() => received.find((r) => !r.event.type.startsWith('sync.') && match(r.event)), {
        timeout: 30_000,
        message: 'a matching fact',
      });
      const syncId = fact.event.syncId;
      await waitFor(
        () =>
          new Set(
            markers('sync.completed', fact.event.syncId.startsWith('full') ? 'full' : 'incremental')
              .filter((r) => r.event.syncId === syncId)
              .map((r) => r.partition),
          ).size === PARTITIONS,
        { timeout: 30_000, message: `round ${syncId} completed on every partition` },
      );
      return syncId;
    },
    facts: (syncId) => received.filter((r) => r.event.syncId === syncId && !r.event.type.startsWith('sync.')),
    async close() {
      await ingestor.service.stop();
      await ingestor.service.http.close();
      await ingestor.close();
      await reader.stop();
      await sim.close();
    },
  };
}

/** Collects everything published on `topic` (the `@provision/kafka` runner with the topic schema), one copy per offset. */
export async function readTopic(
  kafka: KafkaFixture,
  topic: string,
): Promise<{ readonly received: Received[]; stop(): Promise<void> }> {
  const received: Received[] = [];
  // The reader's own group may rebalance under load and be handed a message again: keep one copy.
  const seen = new Set<string>();
  const reader = createKafkaClient({ brokers: kafka.brokers, clientId: 'ingestor-test-reader' });
  const runner = reader.consumer<DirectoryEventV1>({
    groupId: kafka.groupId('reader'),
    topics: [topic],
    schema: DirectoryEventV1,
    createDeadLetterTopics: false,
    maxWaitTimeMs: 100,
    handler: async (event, ctx) => {
      const position = `${ctx.partition}:${ctx.offset}`;
      if (seen.has(position)) return outcome.done();
      seen.add(position);
      received.push({ event, partition: ctx.partition, key: ctx.key });
      return outcome.done();
    },
  });
  await runner.start();
  return {
    received,
    async stop() {
      await runner.stop();
      await reader.close();
    },
  };
}
