import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { verifierFromConfig } from '@provision/auth';
import { redisOptions } from '@provision/config';
import { isProvisionError } from '@provision/errors';
import { TOPICS } from '@provision/events';
import { createKafkaClient, kafkaSecurity } from '@provision/kafka';
import { defaultMappingConfig, formatProblem, parseMappingConfig } from '@provision/mapping';
import { createLogger, createMetrics, onShutdown } from '@provision/telemetry';
import { Redis } from 'ioredis';
import { kafkaCommandSink, kafkaDirectoryFeed, kafkaResultFeed } from './adapters/kafka.ts';
import {
  RedisDeactivationGuardStore,
  RedisDeactivationSchedule,
  RedisFailureStore,
  RedisMappingStateStore,
  RedisPictureStore,
} from './adapters/redis-store.ts';
import { buildService } from './app.ts';
import { readConfig } from './config.ts';
import { buildHttp } from './http/api-routes.ts';
import { registerConsoleRoutes } from './http/console-routes.ts';

async function loadMapping(file: string | undefined) {
  if (!file) return defaultMappingConfig();
  const parsed = parseMappingConfig(await readFile(file, 'utf8'));
  if (!parsed.ok)
    throw new Error(
      `Invalid mapping file ${file}:\n${parsed.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
    );
  return parsed.config;
}

try {
  const config = readConfig();
  const logger = createLogger({ service: 'mapper', level: config.LOG_LEVEL });
  const metrics = createMetrics('mapper');
  const mapping = await loadMapping(config.MAPPING_FILE);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, ...redisOptions(config) });
  const kafka = createKafkaClient({
    brokers: config.KAFKA_BROKERS,
    clientId: 'provision-mapper',
    logger,
    ...kafkaSecurity(config),
  });
  const topic = (name: string) => `${config.TOPIC_PREFIX}${name}`;
  await kafka.ensureTopics(
    [TOPICS.directory, TOPICS.commands].map((t) => ({ topic: topic(t), partitions: config.KAFKA_PARTITIONS })),
  );
  const producer = await kafka.producer({ source: '/provision/mapper' });
  const pictures = new RedisPictureStore(redis, config.REDIS_PREFIX);
  const mappingState = new RedisMappingStateStore(redis, config.REDIS_PREFIX);
  const service = buildService({
    feed: kafkaDirectoryFeed(kafka, {
      topic: topic(TOPICS.directory),
      groupId: `${config.TOPIC_PREFIX}provision-mapper`,
      logger,
    }),
    results: kafkaResultFeed(kafka, {
      topic: topic(TOPICS.results),
      groupId: `${config.TOPIC_PREFIX}provision-mapper-results`,
      logger,
    }),
    store: pictures,
    failures: new RedisFailureStore(redis, config.REDIS_PREFIX),
    deadlines: new RedisDeactivationSchedule(redis, config.REDIS_PREFIX),
    retry: { initialDelayMs: config.RETRY_BASE_MS, multiplier: 5, maxDelayMs: config.RETRY_MAX_MS },
    transientRetry: {
      initialDelayMs: config.RETRY_TRANSIENT_BASE_MS,
      multiplier: 2,
      maxDelayMs: config.RETRY_TRANSIENT_MAX_MS,
    },
    sink: kafkaCommandSink(producer, topic(TOPICS.commands)),
    guard: new RedisDeactivationGuardStore(redis, config.REDIS_PREFIX),
    guardPolicy: { threshold: config.DEACTIVATION_GUARD_THRESHOLD, windowMs: config.DEACTIVATION_GUARD_WINDOW_MS },
    mapping,
    mappingState,
    dryRun: config.DRY_RUN,
    logger,
    metrics,
    newId: randomUUID,
  });
  const http = buildHttp({
    guard: service,
    verifier: verifierFromConfig(config),
    ready: service.ready,
    metrics,
    logger,
  });
  // The admin console's reads: a user's picture and decision, the effective mapping.
  registerConsoleRoutes(http, {
    pictures,
    partitions: config.KAFKA_PARTITIONS,
    mapping,
    fingerprint: service.fingerprint,
    mappingState,
    verifier: verifierFromConfig(config),
    dryRun: config.DRY_RUN,
  });
  await service.start();
  await http.listen({ port: config.HTTP_PORT, host: '0.0.0.0' });
  const address = http.server.address();
  logger.info({ port: typeof address === 'object' && address ? address.port : config.HTTP_PORT }, 'started');
  onShutdown(logger, async () => {
    await http.close();
    await service.stop();
    await kafka.close();
    redis.disconnect();
  });
} catch (error) {
  console.error(isProvisionError(error) ? error.message : error);
  process.exit(1);
}
