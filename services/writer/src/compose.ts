import { readFile } from 'node:fs/promises';
import { verifierFromConfig } from '@provision/auth';
import { redisOptions } from '@provision/config';
import { TOPICS } from '@provision/events';
import { createKafkaClient, kafkaSecurity } from '@provision/kafka';
import { defaultMappingConfig, formatProblem, type MappingConfig, parseMappingConfig } from '@provision/mapping';
import { systemClock } from '@provision/ports';
import { JsforceSalesforceGateway } from '@provision/salesforce';
import { type ComposedService, gauge, type ServiceRuntime } from '@provision/telemetry';
import { Redis } from 'ioredis';
import { kafkaCommandSource, kafkaResultSink } from './adapters/kafka-io.ts';
import { concurrencyGauges, prometheusObserver } from './adapters/prometheus-observer.ts';
import { RedisConcurrencyLimiter } from './adapters/redis-concurrency.ts';
import { RedisPartitionFence } from './adapters/redis-partition-fence.ts';
import {
  RedisAnsweredCommands,
  RedisJobControl,
  RedisLinkStore,
  RedisQuarantineStore,
  RedisRateBudget,
} from './adapters/redis-stores.ts';
import { GatewayDirectory } from './adapters/salesforce-directory.ts';
import { salesforceOptions } from './adapters/salesforce-options.ts';
import { buildService, type WriterService } from './app.ts';
import { authOf, type WriterConfig } from './config.ts';
import { commandPolicy, commandRefusal } from './domain/command-guard.ts';
import { commandLanes } from './domain/command-lanes.ts';
import { type ConcurrencySettings, DEFAULT_CONCURRENCY } from './domain/concurrency.ts';
import type { ResultSink } from './domain/ports.ts';

/** The mapping of `MAPPING_FILE` (the Salesforce default without one); an invalid file throws one message naming every problem. */
export async function loadMapping(file: string | undefined): Promise<MappingConfig> {
  if (!file) return defaultMappingConfig();
  const parsed = parseMappingConfig(await readFile(file, 'utf8'));
  if (parsed.ok) return parsed.config;
  throw new Error(`Invalid mapping file ${file}:\n${parsed.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
}

/** What a test changes in the wiring: names it owns, a sink that fails. Production passes none. */
export interface WriterOverrides {
  /** The commands (bulk and live) and results topics (default `TOPIC_PREFIX` + the standard names). */
  readonly topics?: { readonly commands: string; readonly liveCommands: string; readonly results: string };
  /** The consumer group (default `TOPIC_PREFIX` + `provision-writer`; the live lane's is `<group>.live`). */
  readonly groupId?: string;
  /** Wraps the real result sink (to make it fail). */
  readonly sink?: (real: ResultSink) => ResultSink;
}

/**
 * The writer over its real adapters (Kafka, Redis, Salesforce through jsforce), from the
 * configuration: loads the mapping, ensures the topics, connects the producer; starts nothing.
 * `main.ts` and the integration tests build it here, so the tests run the production wiring.
 * Once started, it tests the Salesforce connection and says what provisioning lacks (not fatal:
 * the quarantine takes over while Salesforce refuses the job).
 */
export async function createService(
  config: WriterConfig,
  runtime: ServiceRuntime,
  overrides: WriterOverrides = {},
): Promise<ComposedService<WriterService>> {
  const { logger, metrics } = runtime;
  const mapping = await loadMapping(config.MAPPING_FILE);
  const policy = commandPolicy(mapping);
  const redis = new Redis(config.REDIS_URL, redisOptions(config));
  const kafka = createKafkaClient({
    brokers: config.KAFKA_BROKERS,
    clientId: 'provision-writer',
    logger,
    ...kafkaSecurity(config),
  });
  const gateway = new JsforceSalesforceGateway(salesforceOptions(config));
  const concurrencySettings: ConcurrencySettings = {
    ...DEFAULT_CONCURRENCY,
    min: config.WRITER_CONCURRENCY_MIN,
    max: Math.max(config.WRITER_CONCURRENCY_MIN, config.WRITER_CONCURRENCY_MAX),
    initial: config.WRITER_CONCURRENCY_INITIAL,
    lockedShare: config.WRITER_CONCURRENCY_LOCKED_SHARE,
    latencyTolerance: config.WRITER_CONCURRENCY_LATENCY_TOLERANCE,
    urgent: config.WRITER_CONCURRENCY_URGENT,
  };
  const concurrency = new RedisConcurrencyLimiter(redis, {
    prefix: config.REDIS_PREFIX,
    settings: concurrencySettings,
    onChange: concurrencyGauges(metrics),
  });
  const close = async () => {
    await kafka.close();
    await gateway.close();
    await concurrency.close();
    redis.disconnect();
  };
  try {
    const topics = overrides.topics ?? {
      commands: `${config.TOPIC_PREFIX}${TOPICS.commands}`,
      liveCommands: `${config.TOPIC_PREFIX}${TOPICS.liveCommands}`,
      results: `${config.TOPIC_PREFIX}${TOPICS.results}`,
    };
    await kafka.ensureTopics(
      [topics.commands, topics.liveCommands, topics.results].map((topic) => ({
        topic,
        partitions: config.KAFKA_PARTITIONS,
      })),
    );
    const producer = await kafka.producer({ source: 'provision/writer' });
    const budget = new RedisRateBudget(redis, {
      prefix: config.REDIS_PREFIX,
      perMinute: config.SALESFORCE_API_BUDGET_PER_MINUTE,
      clock: systemClock,
    });
    const directory = new GatewayDirectory(gateway, { budget, freezeOnDisable: config.WRITER_FREEZE_ON_DISABLE });
    const sink = kafkaResultSink(producer, topics.results);
    const auth = authOf(config);
    if (!auth)
      logger.info('no AUTH_* variables: the writer serves no API (the console shows no live Salesforce record)');
    const groupId = overrides.groupId ?? `${config.TOPIC_PREFIX}provision-writer`;
    // Two consumers, each with its own group and hand: a live command is taken and written while
    // a sync's backlog fills the bulk hand (the mapper keeps each user's commands in one lane at a
    // time, so their order holds across the two). The fences are keyed by group and topic.
    const lane = (spec: { groupId: string; topic: string; maxInHand: number; live: boolean }) =>
      kafkaCommandSource({
        client: kafka,
        ...spec,
        batchSize: config.WRITER_MAX_BATCH,
        fence: new RedisPartitionFence(redis, {
          prefix: config.REDIS_PREFIX,
          groupId: spec.groupId,
          holdMs: config.WRITER_PARTITION_HOLD_MS,
        }),
        partitionsConcurrently: config.WRITER_PARTITIONS_CONCURRENTLY,
        fetchMaxBytes: config.WRITER_FETCH_MAX_BYTES,
        sessionTimeoutMs: config.WRITER_SESSION_TIMEOUT_MS,
        logger,
        refuse: (command) => commandRefusal(command, policy),
      });
    const source = commandLanes({
      bulk: lane({ groupId, topic: topics.commands, maxInHand: config.WRITER_MAX_IN_HAND, live: false }),
      live: lane({
        groupId: `${groupId}.live`,
        topic: topics.liveCommands,
        maxInHand: config.WRITER_LIVE_MAX_IN_HAND,
        live: true,
      }),
    });
    gauge(
      metrics,
      'writer_commands_in_hand',
      'Commands taken from Kafka and not yet answered',
      [],
      async () => source.inHand?.() ?? 0,
    );
    const service = buildService({
      source,
      sink: overrides.sink ? overrides.sink(sink) : sink,
      directory,
      links: new RedisLinkStore(redis, config.REDIS_PREFIX),
      answered: new RedisAnsweredCommands(redis, config.REDIS_PREFIX),
      budget,
      concurrency,
      quarantineStore: new RedisQuarantineStore(redis, config.REDIS_PREFIX),
      control: new RedisJobControl(redis, config.REDIS_PREFIX),
      clock: systemClock,
      logger,
      observer: prometheusObserver(metrics),
      metrics,
      ...(auth ? { api: { verifier: verifierFromConfig(auth), mapping } } : {}),
      settings: {
        dryRun: config.WRITER_DRY_RUN,
        maxBatch: config.WRITER_MAX_BATCH,
        lingerMs: config.WRITER_LINGER_MS,
        maxLingerMs: config.WRITER_MAX_LINGER_MS,
        flushesAtOnce: config.WRITER_FLUSHES_AT_ONCE,
        valuesPerQuery: config.WRITER_VALUES_PER_QUERY,
        deferLocked: config.WRITER_DEFER_LOCKED,
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
    logger.info(
      { commandsTopic: topics.commands, liveCommandsTopic: topics.liveCommands, resultsTopic: topics.results },
      'writer topics',
    );
    return {
      service: {
        ...service,
        async start() {
          await service.start();
          // What provisioning needs (API access, Manage Users on the profile), said once at start.
          void gateway.testConnection().then(
            (report) =>
              report.ok
                ? logger.info(
                    { salesforce: { orgId: report.orgId, user: report.user?.username } },
                    'Salesforce connection ready',
                  )
                : logger.warn(
                    { missing: report.missing, error: report.error },
                    'Salesforce is not ready for provisioning',
                  ),
            (err: unknown) => logger.warn({ err }, 'could not test the Salesforce connection'),
          );
        },
      },
      async close() {
        await producer.disconnect();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}
