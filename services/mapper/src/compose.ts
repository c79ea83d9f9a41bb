import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { verifierFromConfig } from '@provision/auth';
import { redisOptions } from '@provision/config';
import { TOPICS } from '@provision/events';
import { createKafkaClient, kafkaSecurity } from '@provision/kafka';
import { defaultMappingConfig, formatProblem, type MappingConfig, parseMappingConfig } from '@provision/mapping';
import type { ComposedService, ServiceRuntime } from '@provision/telemetry';
import { Redis } from 'ioredis';
import { kafkaCommandSink, kafkaDirectoryFeed, kafkaResultFeed } from './adapters/kafka-io.ts';
import {
  RedisAnswerStore,
  RedisDeactivationGuardStore,
  RedisDeactivationSchedule,
  RedisFailureStore,
  RedisMappingStateStore,
  RedisPictureStore,
} from './adapters/redis-stores.ts';
import { buildService, type MapperService } from './app.ts';
import type { MapperConfig } from './config.ts';

/** The mapping of `MAPPING_FILE` (the Salesforce default without one); an invalid file throws one message naming every problem. */
export async function loadMapping(file: string | undefined): Promise<MappingConfig> {
  if (!file) return defaultMappingConfig();
  const parsed = parseMappingConfig(await readFile(file, 'utf8'));
  if (!parsed.ok)
    throw new Error(
      `Invalid mapping file ${file}:\n${parsed.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
    );
  return parsed.config;
}

/**
 * The mapper over its real adapters (Kafka, Redis), from the configuration: loads the mapping,
 * ensures the topics and connects the producer; starts nothing. `main.ts` and the tests build it
 * here, so they run the same wiring.
 */
export async function createService(
  config: MapperConfig,
  runtime: ServiceRuntime,
): Promise<ComposedService<MapperService>> {
  const { logger, metrics } = runtime;
  const mapping = await loadMapping(config.MAPPING_FILE);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, ...redisOptions(config) });
  const kafka = createKafkaClient({
    brokers: config.KAFKA_BROKERS,
    clientId: 'provision-mapper',
    logger,
    ...kafkaSecurity(config),
  });
  const close = async () => {
    await kafka.close();
    redis.disconnect();
  };
  try {
    const topic = (name: string) => `${config.TOPIC_PREFIX}${name}`;
    await kafka.ensureTopics(
      [TOPICS.directory, TOPICS.commands, TOPICS.liveCommands].map((t) => ({
        topic: topic(t),
        partitions: config.KAFKA_PARTITIONS,
      })),
    );
    const producer = await kafka.producer({ source: '/provision/mapper' });
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
      store: new RedisPictureStore(redis, config.REDIS_PREFIX),
      failures: new RedisFailureStore(redis, config.REDIS_PREFIX),
      deadlines: new RedisDeactivationSchedule(redis, config.REDIS_PREFIX),
      retry: { initialDelayMs: config.RETRY_BASE_MS, multiplier: 5, maxDelayMs: config.RETRY_MAX_MS },
      transientRetry: {
        initialDelayMs: config.RETRY_TRANSIENT_BASE_MS,
        multiplier: 2,
        maxDelayMs: config.RETRY_TRANSIENT_MAX_MS,
      },
      sink: kafkaCommandSink(producer, { bulk: topic(TOPICS.commands), live: topic(TOPICS.liveCommands) }),
      answers: new RedisAnswerStore(redis, config.REDIS_PREFIX),
      guard: new RedisDeactivationGuardStore(redis, config.REDIS_PREFIX),
      guardPolicy: { threshold: config.DEACTIVATION_GUARD_THRESHOLD, windowMs: config.DEACTIVATION_GUARD_WINDOW_MS },
      mapping,
      mappingState: new RedisMappingStateStore(redis, config.REDIS_PREFIX),
      dryRun: config.DRY_RUN,
      logger,
      metrics,
      newId: randomUUID,
      verifier: verifierFromConfig(config),
      partitions: config.KAFKA_PARTITIONS,
    });
    return { service, close };
  } catch (error) {
    await close();
    throw error;
  }
}
