import { quietKafkajsTimeoutWarning } from '@provision/kafkajs-quiet';
import { type Admin, CompressionTypes, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { infrastructure } from './infrastructure.ts';
import { uniqueSuffix } from './unique.ts';
import { waitFor } from './wait-for.ts';

/** A message as a test sees it: bytes decoded as UTF-8. */
export interface ReceivedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Raw bytes to put on a topic (a poison message, say), bypassing the driver. */
export interface RawMessage {
  key?: string | null;
  value: string | Buffer | null;
  headers?: Record<string, string>;
  partition?: number;
}

/** One test's corner of Kafka: its own topics and group names, removed afterwards. */
export interface KafkaFixture {
  /** The `KAFKA_BROKERS` value. */
  brokers: string;
  /** Every topic and group of this test starts with it. */
  prefix: string;
  /** A unique topic name (not created): `<prefix>.<name>.v1`. */
  topicName(name?: string): string;
  /** Creates a unique topic with `partitions` partitions and returns its name. */
  createTopic(options?: { name?: string; partitions?: number }): Promise<string>;
  /** A unique consumer group id. */
  groupId(name?: string): string;
  /**
   * Writes messages exactly as given (default partitioner, as the driver uses); `gzip` sends them
   * compressed (the broker then measures the compressed batch against its size limit).
   */
  produceRaw(topic: string, messages: readonly RawMessage[], options?: { compression?: 'gzip' }): Promise<void>;
  /**
   * Reads `topic` from the beginning with a throw-away group until `count` messages arrived, and
   * returns them (more if more arrived in the last fetch). Fails after `timeout` (default 15 s).
   */
  waitForMessages(topic: string, count: number, options?: { timeout?: number }): Promise<ReceivedMessage[]>;
  /** The committed offset of a group on a partition (-1 when none). */
  committedOffset(groupId: string, topic: string, partition: number): Promise<string>;
  /** Deletes this test's topics and groups. */
  cleanup(): Promise<void>;
}

const decode = (topic: string, partition: number, m: import('kafkajs').KafkaMessage): ReceivedMessage => ({
  topic,
  partition,
  offset: m.offset,
  key: m.key?.toString('utf8') ?? null,
  value: m.value?.toString('utf8') ?? null,
  headers: Object.fromEntries(
    Object.entries(m.headers ?? {}).flatMap(([k, v]) => {
      const last = Array.isArray(v) ? v.at(-1) : v;
      return last === undefined ? [] : [[k, last.toString()]];
    }),
  ),
});

/** A Kafka fixture on the test infrastructure; call `cleanup()` when the test ends. */
export async function createKafkaFixture(): Promise<KafkaFixture> {
  quietKafkajsTimeoutWarning();
  const { KAFKA_BROKERS } = await infrastructure();
  const prefix = `test-${uniqueSuffix()}`;
  const kafka = new Kafka({
    clientId: prefix,
    brokers: KAFKA_BROKERS.split(',').map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
  });
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  const groups = new Set<string>();
  const connectedAdmin = async () => {
    if (!admin) {
      const a = kafka.admin();
      await a.connect();
      admin = a;
    }
    return admin;
  };
  const topicName = (name = 'events') => `${prefix}.${name}.v1`;
  const groupId = (name = 'group') => {
    const id = `${prefix}.${name}.${uniqueSuffix(3)}`;
    groups.add(id);
    return id;
  };

  return {
    brokers: KAFKA_BROKERS,
    prefix,
    topicName,
    groupId,
    async createTopic({ name, partitions = 1 } = {}) {
      const topic = topicName(name);
      await (await connectedAdmin()).createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      });
      return topic;
    },
    async produceRaw(topic, messages, options = {}) {
      if (!producer) {
        producer = kafka.producer({
          createPartitioner: Partitioners.DefaultPartitioner,
          allowAutoTopicCreation: false,
        });
        await producer.connect();
      }
      await producer.send({
        topic,
        messages: messages.map((m) => ({ ...m, key: m.key ?? null })),
        ...(options.compression === 'gzip' ? { compression: CompressionTypes.GZIP } : {}),
      });
    },
    async waitForMessages(topic, count, { timeout = 15_000 } = {}) {
      const received: ReceivedMessage[] = [];
      const consumer = kafka.consumer({ groupId: groupId('reader'), maxWaitTimeInMs: 200 });
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ topic: t, partition, message }) => {
            received.push(decode(t, partition, message));
          },
        });
        await waitFor(() => received.length >= count, {
          timeout,
          message: `${count} messages on ${topic} (got ${received.length})`,
        });
        return received.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
      } finally {
        await consumer.disconnect();
      }
    },
    async committedOffset(group, topic, partition) {
      const offsets = await (await connectedAdmin()).fetchOffsets({ groupId: group, topics: [topic] });
      return offsets[0]?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
    },
    async cleanup() {
      await producer?.disconnect().catch(() => undefined);
      if (!admin) {
        if (groups.size === 0) return;
        await connectedAdmin().catch(() => undefined);
      }
      const a = admin;
      if (!a) return;
      try {
        const topics = (await a.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
        if (topics.length > 0) await a.deleteTopics({ topics }).catch(() => undefined);
        if (groups.size > 0) await a.deleteGroups([...groups]).catch(() => undefined);
      } finally {
        await a.disconnect();
      }
    },
  };
}
