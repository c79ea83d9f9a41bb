import { type TokenVerifier, verifierFromConfig } from '@provision/auth';
import { redisOptions } from '@provision/config';
import { createKafkaClient, kafkaSecurity } from '@provision/kafka';
import type { ComposedService, ServiceRuntime } from '@provision/telemetry';
import { Redis } from 'ioredis';
import { createKafkaEventSource } from './adapters/kafka-event-source.ts';
import { createKafkaLagReader } from './adapters/kafka-lag-reader.ts';
import { createKafkaLifecycleStream } from './adapters/kafka-lifecycle-stream.ts';
import { PgAuditLogStore } from './adapters/pg-audit-log-store.ts';
import { createRedisJobControlReader, createRedisQuarantineReader } from './adapters/redis-quarantine-reader.ts';
import { createRedisWriterCapacityReader } from './adapters/redis-writer-capacity-reader.ts';
import { createSmtpMailer, defaultSmtpSecurity } from './adapters/smtp-mailer.ts';
import { type AuditDeps, type AuditService, buildService } from './app.ts';
import type { AuditConfig } from './config.ts';
import { dashboardSignInFrom } from './http/dashboard.ts';

/** What a test changes in the wiring: its own token issuer, a mailer of its own, a clock it moves. */
export type AuditOverrides = Partial<Pick<AuditDeps, 'alerts' | 'clock'>> & { readonly verifier?: TokenVerifier };

/** The audit over its real adapters, with the store (tests read it directly). */
export type ComposedAudit = ComposedService<AuditService> & { readonly store: PgAuditLogStore };

/**
 * The audit over its real adapters (PostgreSQL, Kafka, Redis when `REDIS_URL` is set, SMTP when
 * `SMTP_URL` and `ALERT_EMAIL_TO` are), from the configuration; starts nothing (`start()`
 * migrates, then consumes). `main.ts` and the integration tests build it here.
 */
export async function createService(
  config: AuditConfig,
  runtime: ServiceRuntime,
  overrides: AuditOverrides = {},
): Promise<ComposedAudit> {
  const { logger, metrics } = runtime;
  const store = new PgAuditLogStore({
    connectionString: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  const security = kafkaSecurity(config);
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: 'provision-audit', logger, ...security });
  const lag = createKafkaLagReader({
    kafka: createKafkaClient({
      brokers: config.KAFKA_BROKERS,
      clientId: 'provision-audit-lag',
      retries: 2,
      ...security,
    }),
    topicPrefix: config.TOPIC_PREFIX,
  });
  const redis = config.REDIS_URL
    ? new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, ...redisOptions(config) })
    : null;
  const mailer = config.SMTP_URL
    ? createSmtpMailer(config.SMTP_URL, config.SMTP_SECURE ?? defaultSmtpSecurity(config.SMTP_URL))
    : null;
  const alerts =
    mailer && config.ALERT_EMAIL_TO
      ? {
          mailer,
          settings: {
            to: config.ALERT_EMAIL_TO,
            from: config.ALERT_EMAIL_FROM,
            ...(config.AUDIT_PUBLIC_URL ? { dashboardUrl: config.AUDIT_PUBLIC_URL } : {}),
          },
          intervalMs: config.ALERT_DIGEST_INTERVAL_MS,
        }
      : null;
  const service = buildService({
    store,
    events: createKafkaEventSource({
      kafka,
      topicPrefix: config.TOPIC_PREFIX,
      partitions: config.KAFKA_PARTITIONS,
      logger,
    }),
    logger,
    metrics,
    quarantine: redis ? createRedisQuarantineReader(redis, config.REDIS_PREFIX) : null,
    control: redis ? createRedisJobControlReader(redis, config.REDIS_PREFIX) : null,
    alerts: overrides.alerts === undefined ? alerts : overrides.alerts,
    ...(overrides.clock ? { clock: overrides.clock } : {}),
    retentionDays: config.AUDIT_RETENTION_DAYS,
    auth: { verifier: overrides.verifier ?? verifierFromConfig(config), dashboard: dashboardSignInFrom(config) },
    maxConcurrentExports: config.AUDIT_MAX_CONCURRENT_EXPORTS,
    console: {
      ingestorUrl: config.INGESTOR_URL,
      mapperUrl: config.MAPPER_URL,
      writerUrl: config.WRITER_URL,
      lag,
      capacity: redis
        ? createRedisWriterCapacityReader(redis, config.REDIS_PREFIX, config.SALESFORCE_API_BUDGET_PER_MINUTE ?? null)
        : null,
    },
    lifecycle: createKafkaLifecycleStream({
      kafka,
      topicPrefix: config.TOPIC_PREFIX,
      partitions: config.KAFKA_PARTITIONS,
      logger,
      commands: {
        reasonsOf: async (id) => {
          const entry = await store.getLog(id);
          return entry?.hasCommand ? entry.reasons.map((r) => r.code) : null;
        },
      },
    }),
  });
  return {
    service,
    store,
    async close() {
      await kafka.close();
      await lag.close();
      await store.close();
      redis?.disconnect();
      mailer?.close();
    },
  };
}
