import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { verifierFromConfig } from '@provision/auth';
import { redisOptions } from '@provision/config';
import { TOPICS } from '@provision/events';
import { createGraphClient, GraphSubscriptionManager } from '@provision/graph';
import { createKafkaClient, kafkaSecurity } from '@provision/kafka';
import { type ComposedService, gauge, type ServiceRuntime } from '@provision/telemetry';
import { Redis } from 'ioredis';
import { GraphDirectorySource } from './adapters/graph-directory-source.ts';
import { KafkaDirectorySink } from './adapters/kafka-directory-sink.ts';
import { promMetrics } from './adapters/prom-metrics.ts';
import { RedisJobControl } from './adapters/redis-job-control.ts';
import { RedisLeaderLease, RedisTriggerRelay } from './adapters/redis-leadership.ts';
import { RedisSyncState } from './adapters/redis-sync-state.ts';
import { buildService, type IngestorService } from './app.ts';
import type { IngestorConfig } from './config.ts';

/** The ingestor over its real adapters, and how to close them (after `service.stop()`). */
export type Ingestor = ComposedService<IngestorService>;

/**
 * Builds the real adapters from the configuration (Graph, Kafka, Redis) and the service over
 * them. Connects the producer and ensures the topic; starts nothing. `main.ts` and the
 * integration tests build the ingestor here, so the tests run the production wiring.
 */
export async function createService(
  config: IngestorConfig,
  telemetry: ServiceRuntime,
  options: {
    /** Overrides `WEBHOOK_PUBLIC_URL`, read at start (tests that listen on port 0). */
    webhookPublicUrl?: () => string;
  } = {},
): Promise<Ingestor> {
  const { logger } = telemetry;
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, ...redisOptions(config) });
  const kafka = createKafkaClient({
    brokers: config.KAFKA_BROKERS,
    clientId: 'provision-ingestor',
    logger,
    ...kafkaSecurity(config),
  });
  try {
    const topic = `${config.TOPIC_PREFIX}${TOPICS.directory}`;
    await kafka.ensureTopics([{ topic, partitions: config.KAFKA_PARTITIONS }]);
    const partitions = (await kafka.partitionCount(topic)) ?? config.KAFKA_PARTITIONS;
    const producer = await kafka.producer({ source: '/provision/ingestor' });
    const client = createGraphClient({
      tenantId: config.GRAPH_TENANT_ID,
      clientId: config.GRAPH_CLIENT_ID,
      clientSecret: config.GRAPH_CLIENT_SECRET,
      authorityHost: config.GRAPH_AUTHORITY_HOST,
      graphUrl: config.GRAPH_BASE_URL,
    });
    // The pod's name (hostname) says who leads in logs; the random part tells a restarted pod from its old self.
    const holder = `${hostname().replace(/\s/g, '_')}/${randomUUID().slice(0, 8)}`;
    const lease = new RedisLeaderLease(redis, config.REDIS_PREFIX, { holder, ttlMs: config.LEADER_LEASE_TTL_MS });
    let service: IngestorService | undefined;
    const state = new RedisSyncState(redis, config.REDIS_PREFIX, {
      fence: { key: lease.fenceKey, token: () => service?.fencingToken() },
    });
    const control = new RedisJobControl(redis, config.REDIS_PREFIX);
    gauge(
      telemetry.metrics,
      'ingestor_provisioning_paused',
      '1 while an admin has paused provisioning (no Graph reads, writers hold their batches); read from Redis at each scrape',
      [],
      async () => ((await control.paused()) ? 1 : 0),
    );
    service = buildService({
      control,
      source: new GraphDirectorySource({
        client,
        servicePrincipalId: config.GRAPH_SERVICE_PRINCIPAL_ID,
        fallbackUserGroups: (userId) => state.groupsOf(userId),
      }),
      state,
      sink: new KafkaDirectorySink({ producer, topic, partitions }),
      metrics: promMetrics(telemetry.metrics),
      registry: telemetry.metrics,
      log: logger,
      syncIntervalMs: config.SYNC_INTERVAL_MS,
      assignmentPollIntervalMs: config.ASSIGNMENT_POLL_INTERVAL_MS,
      auth: { verifier: verifierFromConfig(config) },
      ...(config.WEBHOOK_CLIENT_STATE ? { clientState: config.WEBHOOK_CLIENT_STATE } : {}),
      tenantId: config.GRAPH_TENANT_ID,
      leadership: {
        lease,
        relay: new RedisTriggerRelay(redis, config.REDIS_PREFIX),
        ttlMs: config.LEADER_LEASE_TTL_MS,
        intervalMs: config.LEADER_RENEW_INTERVAL_MS,
      },
      ...(config.WEBHOOK_PUBLIC_URL || options.webhookPublicUrl
        ? {
            webhook: {
              publicUrl: options.webhookPublicUrl ?? config.WEBHOOK_PUBLIC_URL ?? '',
              subscriptions: new GraphSubscriptionManager(client),
              store: state,
            },
          }
        : {}),
    });
    return {
      service,
      async close() {
        await kafka.close();
        redis.disconnect();
      },
    };
  } catch (error) {
    await kafka.close();
    redis.disconnect();
    throw error;
  }
}
