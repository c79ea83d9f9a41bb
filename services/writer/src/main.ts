import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { verifierFromConfig } from '@provision/auth';
import { redisOptions, secretNames } from '@provision/config';
import { TOPICS } from '@provision/events';
import { createKafkaClient, kafkaSecurity } from '@provision/kafka';
import { defaultMappingConfig, formatProblem, type MappingConfig, parseMappingConfig } from '@provision/mapping';
import { JsforceSalesforceGateway } from '@provision/salesforce';
import { createLogger, createMetrics, createOpsServer, onShutdown } from '@provision/telemetry';
import { Redis } from 'ioredis';
import { GatewayDirectory } from './adapters/gateway-directory.ts';
import { kafkaCommandSource, kafkaResultSink } from './adapters/kafka-io.ts';
import { concurrencyGauges, prometheusObserver } from './adapters/prometheus-observer.ts';
import { RedisConcurrencyLimiter } from './adapters/redis-concurrency.ts';
import { RedisJobControl, RedisLinkStore, RedisQuarantineStore, RedisRateBudget } from './adapters/redis-stores.ts';
import { salesforceOptions } from './adapters/salesforce-options.ts';
import { systemClock } from './adapters/system-clock.ts';
import { buildService } from './app.ts';
import { authOf, readConfig, type WriterConfig } from './config.ts';
import { commandPolicy, commandRefusal } from './domain/command-guard.ts';
import { type ConcurrencySettings, DEFAULT_CONCURRENCY } from './domain/concurrency.ts';
import { registerSalesforceUserRoutes } from './http/salesforce-user-routes.ts';

let config: WriterConfig;
try {
  config = readConfig();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

async function loadMapping(file: string | undefined): Promise<MappingConfig> {
  if (!file) return defaultMappingConfig();
  const parsed = parseMappingConfig(await readFile(file, 'utf8'));
  if (parsed.ok) return parsed.config;
  console.error(`Invalid mapping file ${file}:\n${parsed.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
  process.exit(1);
}
const mapping = await loadMapping(config.MAPPING_FILE);
const policy = commandPolicy(mapping);

const logger = createLogger({ service: 'writer', level: config.LOG_LEVEL, redact: secretNames(config) });
const metrics = createMetrics('writer');
const redis = new Redis(config.REDIS_URL, redisOptions(config));
const kafka = createKafkaClient({
  brokers: config.KAFKA_BROKERS,
  clientId: 'provision-writer',
  logger,
  ...kafkaSecurity(config),
});
const commandsTopic = `${config.TOPIC_PREFIX}${TOPICS.commands}`;
const resultsTopic = `${config.TOPIC_PREFIX}${TOPICS.results}`;
await kafka.ensureTopics(
  [commandsTopic, resultsTopic].map((topic) => ({ topic, partitions: config.KAFKA_PARTITIONS })),
);
const producer = await kafka.producer({ source: 'provision/writer' });

const gateway = new JsforceSalesforceGateway(salesforceOptions(config));
const budget = new RedisRateBudget(redis, {
  prefix: config.REDIS_PREFIX,
  perMinute: config.SALESFORCE_API_BUDGET_PER_MINUTE,
  clock: systemClock,
});
const concurrencySettings: ConcurrencySettings = {
  ...DEFAULT_CONCURRENCY,
  min: config.WRITER_CONCURRENCY_MIN,
  max: Math.max(config.WRITER_CONCURRENCY_MIN, config.WRITER_CONCURRENCY_MAX),
  initial: config.WRITER_CONCURRENCY_INITIAL,
  lockedShare: config.WRITER_CONCURRENCY_LOCKED_SHARE,
  latencyTolerance: config.WRITER_CONCURRENCY_LATENCY_TOLERANCE,
};
const concurrency = new RedisConcurrencyLimiter(redis, {
  prefix: config.REDIS_PREFIX,
  settings: concurrencySettings,
  onChange: concurrencyGauges(metrics),
});
const directory = new GatewayDirectory(gateway, { budget, freezeOnDisable: config.WRITER_FREEZE_ON_DISABLE });
const links = new RedisLinkStore(redis, config.REDIS_PREFIX);
const service = buildService({
  source: kafkaCommandSource({
    client: kafka,
    groupId: `${config.TOPIC_PREFIX}provision-writer`,
    topic: commandsTopic,
    batchSize: config.WRITER_MAX_BATCH,
    partitionsConcurrently: config.WRITER_PARTITIONS_CONCURRENTLY,
    sessionTimeoutMs: config.WRITER_SESSION_TIMEOUT_MS,
    logger,
    refuse: (command) => commandRefusal(command, policy),
  }),
  sink: kafkaResultSink(producer, resultsTopic),
  directory,
  links,
  budget,
  concurrency,
  quarantineStore: new RedisQuarantineStore(redis, config.REDIS_PREFIX),
  control: new RedisJobControl(redis, config.REDIS_PREFIX),
  clock: systemClock,
  logger,
  observer: prometheusObserver(metrics),
  settings: {
    dryRun: config.WRITER_DRY_RUN,
    maxBatch: config.WRITER_MAX_BATCH,
    lingerMs: config.WRITER_LINGER_MS,
    maxLingerMs: config.WRITER_MAX_LINGER_MS,
    flushesAtOnce: config.WRITER_FLUSHES_AT_ONCE,
    valuesPerQuery: config.WRITER_VALUES_PER_QUERY,
    usernameSuffix: mapping.usernameCollision?.suffix,
    quarantine: {
      threshold: config.WRITER_QUARANTINE_THRESHOLD,
      baseDelayMs: config.WRITER_QUARANTINE_BASE_DELAY_MS,
      maxDelayMs: config.WRITER_QUARANTINE_MAX_DELAY_MS,
      retryDelayMs: config.WRITER_RETRY_DELAY_MS,
      controlPollMs: config.WRITER_CONTROL_POLL_MS,
    },
  },
});

const ops = createOpsServer({ ready: () => service.ready(), metrics });
// The admin console's read of one Salesforce user (Provision.Read), only with sign-in configured.
const auth = authOf(config);
if (auth) {
  registerSalesforceUserRoutes(ops, {
    directory,
    links,
    budget,
    mapping,
    verifier: verifierFromConfig(auth),
    onRefused: (e) => logger.warn(e, 'API request refused'),
    onFailure: (e) => logger.warn(e, 'Salesforce read for the console failed'),
  });
} else logger.info('no AUTH_* variables: the writer serves no API (the console shows no live Salesforce record)');
await ops.listen({ port: config.HTTP_PORT, host: '0.0.0.0' });
onShutdown(logger, async () => {
  await service.stop();
  await ops.close();
  await producer.disconnect();
  await kafka.close();
  await gateway.close();
  await concurrency.close();
  redis.disconnect();
});
await service.start();
// What provisioning needs (API access, Manage Users on the profile), said once at start; failures
// are not fatal: the quarantine takes over while Salesforce refuses the job.
void gateway.testConnection().then(
  (report) =>
    report.ok
      ? logger.info({ salesforce: { orgId: report.orgId, user: report.user?.username } }, 'Salesforce connection ready')
      : logger.warn({ missing: report.missing, error: report.error }, 'Salesforce is not ready for provisioning'),
  (err: unknown) => logger.warn({ err }, 'could not test the Salesforce connection'),
);
logger.info({ port: (ops.server.address() as AddressInfo).port, commandsTopic, resultsTopic }, 'started');
