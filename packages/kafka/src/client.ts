import { quietKafkajsTimeoutWarning } from '@provision/kafkajs-quiet';
import { type Admin, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { type ConsumerOptions, type ConsumerRunner, createRunner } from './consumer/runner.ts';
import { isAccessError, orUnavailable } from './internal/errors.ts';
import { kafkajsLogCreator } from './internal/kafkajs-logger.ts';
import { whileMetadataSettles } from './internal/settle.ts';
import { type EventProducer, wrapProducer } from './producer.ts';
import { type KafkaSaslOptions, type KafkaTlsOptions, kafkajsSasl, kafkajsTls } from './security.ts';
import type { TopicSpec } from './topics.ts';
import { type Logger, silentLogger } from './types.ts';

/** How to reach the cluster. */
export interface KafkaClientOptions {
  /** `host:port` list, as an array or the comma-separated `KAFKA_BROKERS` value. */
  brokers: readonly string[] | string;
  /** Names this process to the brokers (the service name). */
  clientId: string;
  logger?: Logger;
  /** TLS to the brokers: `true` trusts the system's CAs; an object names a CA file, a client certificate. */
  ssl?: KafkaTlsOptions | boolean;
  /** SASL authentication (over TLS in production: SASL_SSL). */
  sasl?: KafkaSaslOptions;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Retries of a failed request or connection before giving up (default 8). */
  retries?: number;
}

/** Result of `ensureTopics`. */
export interface EnsureTopicsResult {
  created: string[];
  /** Topics that exist with another partition count than asked: left as they are (repartitioning moves keys). */
  mismatched: { topic: string; partitions: number; wanted: number }[];
}

/** How far one consumer group is behind on one topic, in messages. */
export interface GroupTopicLag {
  readonly groupId: string;
  readonly topic: string;
  readonly lag: number;
}

/** The one entry point to Kafka: topics, producers, consumers. */
export interface KafkaClient {
  /** Creates the topics that do not exist, with their stated partition counts. Idempotent. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<EnsureTopicsResult>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  /** Partition count of a topic, undefined when it does not exist. */
  partitionCount(topic: string): Promise<number | undefined>;
  /**
   * The partitions of `topic` for which consumer group `groupId` has committed an offset: the
   * group consumed them before (a consumer that finds its local state empty tells a first start from
   * a lost state by it).
   */
  committedPartitions(groupId: string, topic: string): Promise<Set<number>>;
  /**
   * Lag of every consumer group whose id starts with `groupPrefix`, on the topics `topics` accepts:
   * per group and topic, each partition's end offset minus the group's committed one, summed (the
   * whole partition when the group has committed nothing there). Read-only: nothing is committed.
   */
  groupLag(groupPrefix: string, topics: (topic: string) => boolean): Promise<GroupTopicLag[]>;
  /** A connected idempotent producer; `source` is the default CloudEvents `source`. */
  producer(options: { source: string }): Promise<EventProducer>;
  /** A consumer runner (not started). */
  consumer<T>(options: ConsumerOptions<T>): ConsumerRunner;
  /** Stops consumers, disconnects producers and the admin client. */
  close(): Promise<void>;
}

/** Splits `KAFKA_BROKERS`-style text into `host:port` entries. */
export function parseBrokers(brokers: readonly string[] | string): string[] {
  const list = typeof brokers === 'string' ? brokers.split(',') : [...brokers];
  return list.map((b) => b.trim()).filter((b) => b.length > 0);
}

export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  quietKafkajsTimeoutWarning();
  const logger = options.logger ?? silentLogger;
  const ssl = kafkajsTls(options.ssl);
  const sasl = kafkajsSasl(options.sasl);
  const retries = options.retries ?? 8;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: parseBrokers(options.brokers),
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.INFO,
    logCreator: kafkajsLogCreator(logger),
    retry: { initialRetryTime: 100, retries },
  });
  let admin: Promise<Admin> | undefined;
  let deadLetterProducer: Promise<EventProducer> | undefined;
  const producers = new Set<Producer>();
  const runners = new Set<ConsumerRunner>();

  const connectedAdmin = () => {
    admin ??= (async () => {
      const a = kafka.admin();
      await orUnavailable('connecting the admin client', () => a.connect());
      return a;
    })().catch((error: unknown) => {
      admin = undefined;
      throw error;
    });
    return admin;
  };
  const newProducer = async (source: string): Promise<EventProducer> => {
    const producer = kafka.producer({
      idempotent: true,
      // One request in flight keeps kafkajs's sequence numbers, and so per-partition order, safe.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await orUnavailable('connecting a producer', () => producer.connect());
    producers.add(producer);
    const wrapped = wrapProducer(producer, source);
    return {
      ...wrapped,
      disconnect: async () => {
        producers.delete(producer);
        await producer.disconnect();
      },
    };
  };

  async function ensureTopics(specs: readonly TopicSpec[]): Promise<EnsureTopicsResult> {
    const a = await connectedAdmin();
    const existing = new Set(await orUnavailable('listing topics', () => a.listTopics()));
    const present = specs.filter((s) => existing.has(s.topic));
    const mismatched: EnsureTopicsResult['mismatched'] = [];
    if (present.length > 0) {
      const { topics } = await orUnavailable('reading topic metadata', () =>
        a.fetchTopicMetadata({ topics: present.map((s) => s.topic) }),
      );
      for (const t of topics) {
        const wanted = present.find((s) => s.topic === t.name)!.partitions;
        if (t.partitions.length !== wanted) mismatched.push({ topic: t.name, partitions: t.partitions.length, wanted });
      }
      for (const m of mismatched) logger.warn(m, 'topic exists with another partition count; left as it is');
    }
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await orUnavailable('creating topics', () =>
        a.createTopics({
          waitForLeaders: true,
          topics: missing.map((s) => ({
            topic: s.topic,
            numPartitions: s.partitions,
            replicationFactor: s.replicationFactor ?? 1,
            configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
          })),
        }),
      );
    }
    return { created: missing.map((s) => s.topic), mismatched };
  }

  return {
    ensureTopics: (specs) => whileMetadataSettles('ensuring topics', () => ensureTopics(specs), logger),
    async deleteTopics(topics) {
      if (topics.length === 0) return;
      const a = await connectedAdmin();
      await orUnavailable('deleting topics', () => a.deleteTopics({ topics: [...topics] }));
    },
    async partitionCount(topic) {
      const a = await connectedAdmin();
      const existing = await orUnavailable('listing topics', () => a.listTopics());
      if (!existing.includes(topic)) return undefined;
      const { topics } = await orUnavailable('reading topic metadata', () => a.fetchTopicMetadata({ topics: [topic] }));
      return topics[0]?.partitions.length;
    },
    async committedPartitions(groupId, topic) {
      const a = await connectedAdmin();
      const offsets = await orUnavailable('reading committed offsets', () =>
        a.fetchOffsets({ groupId, topics: [topic] }),
      );
      const partitions = offsets.find((t) => t.topic === topic)?.partitions ?? [];
      return new Set(partitions.filter((p) => Number(p.offset) >= 0).map((p) => p.partition));
    },
    async groupLag(groupPrefix, topics) {
      const a = await connectedAdmin();
      const { groups } = await orUnavailable('listing consumer groups', () => a.listGroups());
      const ids = groups.map((g) => g.groupId).filter((id) => id.startsWith(groupPrefix));
      const ends = new Map<string, Awaited<ReturnType<Admin['fetchTopicOffsets']>>>();
      const answer: GroupTopicLag[] = [];
      for (const groupId of ids.sort()) {
        const committed = await orUnavailable('reading committed offsets', () => a.fetchOffsets({ groupId }));
        for (const { topic, partitions } of committed) {
          if (!topics(topic)) continue;
          if (!ends.has(topic))
            ends.set(topic, await orUnavailable('reading end offsets', () => a.fetchTopicOffsets(topic)));
          const byPartition = new Map(partitions.map((p) => [p.partition, BigInt(p.offset)]));
          let lag = 0n;
          for (const end of ends.get(topic) ?? []) {
            const at = byPartition.get(end.partition) ?? -1n;
            const from = at < 0n ? BigInt(end.low) : at;
            if (BigInt(end.high) > from) lag += BigInt(end.high) - from;
          }
          answer.push({ groupId, topic, lag: Number(lag) });
        }
      }
      return answer;
    },
    producer: ({ source }) => newProducer(source),
    consumer(consumerOptions) {
      const consumer = kafka.consumer({
        groupId: consumerOptions.groupId,
        sessionTimeout: consumerOptions.sessionTimeoutMs ?? 30_000,
        heartbeatInterval: consumerOptions.heartbeatIntervalMs ?? 3_000,
        rebalanceTimeout: consumerOptions.rebalanceTimeoutMs ?? 60_000,
        maxWaitTimeInMs: consumerOptions.maxWaitTimeMs ?? 1_000,
        // Fetches sized to the work, not kafkajs's 10 MB: a handler takes a few hundred events at a
        // time, and every byte fetched ahead is memory the service holds (the target is < 150 MB).
        maxBytesPerPartition: consumerOptions.maxBytesPerPartition ?? 256 * 1024,
        maxBytes: consumerOptions.maxBytes ?? 2 * 1024 * 1024,
        allowAutoTopicCreation: false,
        // Restarting cannot fix refused credentials or an ACL denial: crash, and let start() say why.
        retry: { initialRetryTime: 100, retries, restartOnFailure: async (error) => !isAccessError(error) },
      });
      const runner = createRunner(consumerOptions, {
        consumer,
        admin: connectedAdmin,
        deadLetterProducer: () => {
          deadLetterProducer ??= newProducer('/provision/dead-letter').catch((error: unknown) => {
            deadLetterProducer = undefined;
            throw error;
          });
          return deadLetterProducer;
        },
        logger,
      });
      runners.add(runner);
      return runner;
    },
    async close() {
      await Promise.allSettled([...runners].map((r) => (r.state() === 'idle' ? undefined : r.stop())));
      await Promise.allSettled([...producers].map((p) => p.disconnect()));
      producers.clear();
      if (admin) await (await admin.catch(() => undefined))?.disconnect();
      admin = undefined;
      deadLetterProducer = undefined;
    },
  };
}
