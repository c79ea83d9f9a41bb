import { ROLES } from '@provision/auth';
import { createTestIssuer } from '@provision/auth/testing';
import { deadLetterTopic, TOPIC_SCHEMAS, TOPICS, type TopicName } from '@provision/events';
import { createKafkaClient, type EventProducer, type KafkaClient } from '@provision/kafka';
import { createLogger, createMetrics } from '@provision/telemetry';
import type { KafkaFixture, PostgresFixture } from '@provision/testkit';
import { createKafkaEventSource } from '../src/adapters/kafka-event-source.ts';
import { PgAuditLogStore } from '../src/adapters/pg-audit-log-store.ts';
import { type AuditDeps, type AuditService, buildService } from '../src/app.ts';

/** The audit service on the test's own topics and schema, plus a producer for its input topics. */
export interface Harness {
  service: AuditService;
  store: PgAuditLogStore;
  kafka: KafkaClient;
  producer: EventProducer;
  /** The real topic name of a logical one (with the test prefix). */
  topic(name: TopicName): string;
  dlq(name: TopicName): string;
  /** Publishes events as the other services do (keyed by user id, CloudEvents headers). */
  publish(topic: TopicName, values: readonly object[]): Promise<void>;
  get<T = unknown>(url: string): Promise<{ status: number; body: T; text: string; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startHarness(
  fixtures: { kafka: KafkaFixture; postgres: PostgresFixture },
  extra: Partial<Pick<AuditDeps, 'alerts' | 'clock' | 'retentionDays'>> = {},
): Promise<Harness> {
  const prefix = `${fixtures.kafka.prefix}.`;
  const logger = createLogger({ service: 'audit', level: process.env.LOG_LEVEL ?? 'silent' });
  const kafka = createKafkaClient({ brokers: fixtures.kafka.brokers, clientId: 'audit-test', logger });
  const store = new PgAuditLogStore({
    connectionString: fixtures.postgres.serverUrl,
    schema: fixtures.postgres.schema,
  });
  const issuer = await createTestIssuer();
  const reader = await issuer.userToken([ROLES.read]);
  const service = buildService({
    auth: { verifier: issuer.verifier, dashboard: null },
    store,
    events: createKafkaEventSource({
      kafka,
      topicPrefix: prefix,
      partitions: 3,
      logger,
    }),
    logger,
    metrics: createMetrics('audit'),
    retentionDays: extra.retentionDays ?? 30,
    alerts: extra.alerts ?? null,
    ...(extra.clock ? { clock: extra.clock } : {}),
  });
  await service.start();
  const producer = await kafka.producer({ source: '/provision/test' });
  const topic = (name: TopicName) => `${prefix}${name}`;
  return {
    service,
    store,
    kafka,
    producer,
    topic,
    dlq: (name) => `${prefix}${deadLetterTopic(name)}`,
    async publish(name, values) {
      await producer.send(
        values.map((value) => ({
          topic: topic(name),
          key: 'userId' in value ? String(value.userId) : `sync:${String((value as { syncId: string }).syncId)}`,
          value,
          type: TOPIC_SCHEMAS[name].cloudEventType,
        })),
      );
    },
    async get(url) {
      const res = await service.http.inject({ method: 'GET', url, headers: { authorization: `Bearer ${reader}` } });
      const isJson = String(res.headers['content-type']).includes('json');
      return {
        status: res.statusCode,
        body: isJson ? res.json() : (undefined as never),
        text: res.body,
        headers: res.headers,
      };
    },
    async close() {
      await service.stop();
      await producer.disconnect();
      await kafka.close();
      await store.close();
    },
  };
}

export { TOPICS };
