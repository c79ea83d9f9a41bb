import { deadLetterTopic, retryTopic, TOPICS } from '@provision/events';
import { type KafkaSaslOptions, type KafkaTlsOptions, kafkajsSecurity } from '@provision/kafka';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import type { ConsumerLagReader, GroupLag } from '../http/console-api.ts';

/**
 * Consumer lag of every Provision consumer group: the groups whose id starts with the topic prefix,
 * on the topics under it, measured as each partition's end offset minus the group's committed one
 * (the whole partition when the group has committed nothing yet). Read-only: kafkajs's admin lists
 * groups and offsets; nothing is committed. An answer is kept for `cacheMs` so that several open
 * consoles ask the broker once.
 */
export function createKafkaLagReader(options: {
  brokers: readonly string[];
  topicPrefix: string;
  security?: { ssl?: KafkaTlsOptions; sasl?: KafkaSaslOptions };
  cacheMs?: number;
}): ConsumerLagReader & { close(): Promise<void> } {
  const kafka = new Kafka({
    clientId: 'provision-audit-lag',
    brokers: [...options.brokers],
    ...kafkajsSecurity(options.security ?? {}),
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 200, retries: 2 },
  });
  const prefix = options.topicPrefix;
  // Provision's topics only: with no prefix, the cluster's other groups and topics are not ours.
  const ours = new Set(Object.values(TOPICS).flatMap((t) => [t, retryTopic(t), deadLetterTopic(t)]));
  let admin: Promise<Admin> | null = null;
  let cached: { at: number; answer: GroupLag[] } | null = null;
  const connected = () => {
    admin ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      return a;
    })().catch((error: unknown) => {
      admin = null;
      throw error;
    });
    return admin;
  };

  const measure = async (): Promise<GroupLag[]> => {
    const a = await connected();
    const { groups } = await a.listGroups();
    const ids = groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
    const ends = new Map<string, Awaited<ReturnType<Admin['fetchTopicOffsets']>>>();
    const answer: GroupLag[] = [];
    for (const groupId of ids.sort()) {
      const committed = await a.fetchOffsets({ groupId });
      for (const { topic, partitions } of committed) {
        if (!topic.startsWith(prefix) || !ours.has(topic.slice(prefix.length))) continue;
        if (!ends.has(topic)) ends.set(topic, await a.fetchTopicOffsets(topic));
        const byPartition = new Map(partitions.map((p) => [p.partition, BigInt(p.offset)]));
        let lag = 0n;
        for (const end of ends.get(topic) ?? []) {
          const at = byPartition.get(end.partition) ?? -1n;
          const from = at < 0n ? BigInt(end.low) : at;
          if (BigInt(end.high) > from) lag += BigInt(end.high) - from;
        }
        answer.push({ group: groupId.slice(prefix.length), topic: topic.slice(prefix.length), lag: Number(lag) });
      }
    }
    return answer;
  };

  return {
    async read() {
      const now = Date.now();
      if (cached && now - cached.at < (options.cacheMs ?? 2_000)) return cached.answer;
      try {
        const answer = await measure();
        cached = { at: Date.now(), answer };
        return answer;
      } catch (error) {
        // A broken connection is not kept: the next read connects again.
        const stale = admin;
        admin = null;
        await stale?.then((x) => x.disconnect()).catch(() => undefined);
        throw error;
      }
    },
    async close() {
      const a = admin;
      admin = null;
      await a?.then((x) => x.disconnect()).catch(() => undefined);
    },
  };
}
