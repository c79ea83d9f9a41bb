import { TOPIC_SCHEMAS, type TopicName } from '@provision/events';
import type { z } from 'zod';

/** The event type of a topic, as its v1 schema parses it (defaults filled, unknown fields dropped). */
export type EventOf<T extends TopicName> = z.output<(typeof TOPIC_SCHEMAS)[T]['schema']>;

/** A message value that is not a valid event of its topic; `problems` name each path and what is wrong. */
export class InvalidEvent extends Error {
  readonly topic: string;
  readonly problems: readonly string[];
  constructor(topic: string, problems: readonly string[]) {
    super(`not a valid ${topic} event: ${problems.join('; ')}`);
    this.name = 'InvalidEvent';
    this.topic = topic;
    this.problems = problems;
  }
}

/**
 * Parses one message value of `topic` with that topic's v1 schema. Fields this version does not
 * know are dropped, never refused: a v1 consumer keeps working when a producer adds an optional
 * field (the compatibility rule of docs/asyncapi.yaml).
 */
export function parseEvent<T extends TopicName>(topic: T, value: unknown): EventOf<T> {
  const parsed = TOPIC_SCHEMAS[topic].schema.safeParse(value);
  if (parsed.success) return parsed.data as EventOf<T>;
  throw new InvalidEvent(
    topic,
    parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`),
  );
}
