/** A topic to create, with its partition count stated (the broker never picks one for us). */
export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Defaults to 1 (one broker locally); production clusters set 3. */
  replicationFactor?: number;
  /** Topic-level configuration, e.g. `{ 'retention.ms': '604800000' }`. */
  config?: Readonly<Record<string, string>>;
}

/**
 * The dead-letter topic of a topic: `provisioning.commands.v1` → `provisioning.commands.dlq.v1`
 * (the version stays last, so the DLQ of v2 is separate); an unversioned `x` → `x.dlq`.
 */
export function dlqTopicFor(topic: string): string {
  return /\.v\d+$/.test(topic) ? topic.replace(/\.(v\d+)$/, '.dlq.$1') : `${topic}.dlq`;
}

/** Whether a topic is a dead-letter topic (so it is never dead-lettered again). */
export function isDlqTopic(topic: string): boolean {
  return /\.dlq(\.v\d+)?$/.test(topic);
}
