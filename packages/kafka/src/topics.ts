/** A topic to create, with its partition count stated (the broker never picks one for us). */
export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Defaults to 1 (one broker locally); production clusters set 3. */
  replicationFactor?: number;
  /** Topic-level configuration, e.g. `{ 'retention.ms': '604800000' }`. */
  config?: Readonly<Record<string, string>>;
}
