import { verifierFromConfig } from '@provision/auth';
import { redisOptions } from '@provision/config';
import { isProvisionError } from '@provision/errors';
import { createKafkaClient, kafkaSecurity } from '@provision/kafka';
import { createLogger, createMetrics, onShutdown } from '@provision/telemetry';
import { Redis } from 'ioredis';
import { createKafkaEventSource } from './adapters/kafka-event-source.ts';
import { createKafkaLagReader } from './adapters/kafka-lag-reader.ts';
import { createKafkaLifecycleStream } from './adapters/kafka-lifecycle-stream.ts';
import { PgAuditLogStore } from './adapters/pg-audit-log-store.ts';
import { createRedisJobControlReader, createRedisQuarantineReader } from './adapters/redis-quarantine-reader.ts';
import { createRedisWriterCapacityReader } from './adapters/redis-writer-capacity-reader.ts';
import { createSmtpMailer, defaultSmtpSecurity } from './adapters/smtp-mailer.ts';
import { buildService } from './app.ts';
import { readConfig } from './config.ts';
import { dashboardSignInFrom } from './http/dashboard.ts';

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig();
} catch (error) {
  process.stderr.write(`${isProvisionError(error) ? error.message : String(error)}\n`);
  process.exit(1);
}

const logger = createLogger({
  service: 'audit',
  level: config.LOG_LEVEL,
  redact: ['SMTP_URL', 'DATABASE_URL', 'REDIS_URL'],
});
const metrics = createMetrics('audit');
const store = new PgAuditLogStore({
  connectionString: config.DATABASE_URL,
  schema: config.DATABASE_SCHEMA,
  statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
});
const security = kafkaSecurity(config);
const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: 'provision-audit', logger, ...security });
const lag = createKafkaLagReader({ brokers: config.KAFKA_BROKERS, topicPrefix: config.TOPIC_PREFIX, security });
const redis = config.REDIS_URL
  ? new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, ...redisOptions(config) })
  : null;
const mailer = config.SMTP_URL
  ? createSmtpMailer(config.SMTP_URL, config.SMTP_SECURE ?? defaultSmtpSecurity(config.SMTP_URL))
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
  alerts:
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
      : null,
  retentionDays: config.AUDIT_RETENTION_DAYS,
  auth: { verifier: verifierFromConfig(config), dashboard: dashboardSignInFrom(config) },
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

onShutdown(logger, async () => {
  await service.stop();
  await kafka.close();
  await lag.close();
  await store.close();
  redis?.disconnect();
  mailer?.close();
});

// Listen first so /healthz answers (and /readyz says "not ready") while migrations run and the
// consumers join.
await service.http.listen({ port: config.HTTP_PORT, host: '0.0.0.0' });
const address = service.http.server.address();
logger.info({ port: typeof address === 'object' && address ? address.port : config.HTTP_PORT }, 'started');
try {
  await service.start();
} catch (err) {
  logger.fatal({ err }, 'could not start');
  process.exit(1);
}
