import { ROLES } from '@provision/auth';
import { createTestIssuer } from '@provision/auth/testing';
import { deadLetterTopic, TOPIC_SCHEMAS, TOPICS, type TopicName } from '@provision/events';
import { createKafkaClient, type EventProducer, type KafkaClient } from '@provision/kafka';
import { createLogger, createMetrics } from '@provision/telemetry';
import type { KafkaFixture, PostgresFixture } from '@provision/testkit';
import type { PgAuditLogStore } from '../src/adapters/pg-audit-log-store.ts';
import type { AuditService } from '../src/app.ts';
import { type AuditOverrides, createService } from '../src/compose.ts';
import { readConfig } from '../src/config.ts';

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

/**
 * The audit built by `createService`, as `main.ts` builds it, on the test's own topics and
 * schema; only the token issuer (and, when given, the mailer and the clock) are the test's own.
 */
export async function startHarness(
  fixtures: { kafka: KafkaFixture; postgres: PostgresFixture },
  extra: AuditOverrides & { retentionDays?: number } = {},
): Promise<Harness> {
  const prefix = `${fixtures.kafka.prefix}.`;
  const logger = createLogger({ service: 'audit', level: process.env.LOG_LEVEL ?? 'silent' });
  const issuer = await createTestIssuer();
  const reader = await issuer.userToken([ROLES.read]);
  const config = readConfig({
    KAFKA_BROKERS: fixtures.kafka.brokers,
    TOPIC_PREFIX: prefix,
    KAFKA_PARTITIONS: '3',
    DATABASE_URL: fixtures.postgres.serverUrl,
    DATABASE_SCHEMA: fixtures.postgres.schema,
    AUDIT_RETENTION_DAYS: String(extra.retentionDays ?? 30),
    HTTP_PORT: '0',
    AUTH_TENANT_ID: issuer.tenantId,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_AUTHORITY_HOST: 'https://login.microsoftonline.com',
  });
  const { retentionDays: _, ...overrides } = extra;
  const composed = await createService(
    config,
    { logger, metrics: createMetrics('audit') },
    { ...overrides, verifier: issuer.verifier },
  );
  const { service, store } = composed;
  await service.start();
  const kafka = createKafkaClient({ brokers: fixtures.kafka.brokers, clientId: 'audit-test', logger });
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
      await service.http.close();
      await composed.close();
      await producer.disconnect();
      await kafka.close();
    },
  };
}

export { TOPICS };
