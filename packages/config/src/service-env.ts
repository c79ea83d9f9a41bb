import { z } from 'zod';
import { brokerList, logLevel, port, positiveInt, urlOf } from './types.ts';

/**
 * The variables every service reads, declared once: the Kafka cluster and its topics (their
 * partition count and the prefix that isolates a deployment), the ops/API port and the log level.
 */
export function serviceEnv(defaults: { httpPort?: number } = {}) {
  return {
    KAFKA_BROKERS: brokerList(),
    KAFKA_PARTITIONS: positiveInt().default(6),
    TOPIC_PREFIX: z.string().default(''),
    HTTP_PORT: port().default(defaults.httpPort ?? 8080),
    LOG_LEVEL: logLevel().default('info'),
  };
}

/** Redis, where a service keeps what can be rebuilt; the prefix isolates a deployment. */
export function redisEnv() {
  return {
    REDIS_URL: urlOf('redis:', 'rediss:'),
    REDIS_PREFIX: z.string().default('provision:'),
  };
}
