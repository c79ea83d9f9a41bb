import { deadLetterTopic, retryTopic, TOPICS } from '@provision/events';
import type { KafkaClient } from '@provision/kafka';
import type { ConsumerLagReader, GroupLag } from '../http/console-api.ts';

/**
 * Consumer lag of every Provision consumer group: the groups whose id starts with the topic prefix,
 * on the topics under it, measured as each partition's end offset minus the group's committed one
 * (the whole partition when the group has committed nothing yet). Read-only. An answer is kept for
 * `cacheMs` so that several open consoles ask the broker once.
 */
export function createKafkaLagReader(options: {
  /** A client of its own, with few retries: the console wants a quick "unavailable", not a long wait. */
  kafka: Pick<KafkaClient, 'groupLag' | 'close'>;
  topicPrefix: string;
  cacheMs?: number;
}): ConsumerLagReader & { close(): Promise<void> } {
  const prefix = options.topicPrefix;
  // Provision's topics only: with no prefix, the cluster's other groups and topics are not ours.
  const ours = new Set(Object.values(TOPICS).flatMap((t) => [t, retryTopic(t), deadLetterTopic(t)]));
  let cached: { at: number; answer: GroupLag[] } | null = null;

  return {
    async read() {
      const now = Date.now();
      if (cached && now - cached.at < (options.cacheMs ?? 2_000)) return cached.answer;
      const lags = await options.kafka.groupLag(
        prefix,
        (topic) => topic.startsWith(prefix) && ours.has(topic.slice(prefix.length)),
      );
      const answer = lags.map((l) => ({
        group: l.groupId.slice(prefix.length),
        topic: l.topic.slice(prefix.length),
        lag: l.lag,
      }));
      cached = { at: Date.now(), answer };
      return answer;
    },
    close: () => options.kafka.close(),
  };
}
