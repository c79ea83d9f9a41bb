// How the retry and dead-letter topics of a topic are named: one rule for the Kafka driver (which
// dead-letters and creates the topics), the services and the AsyncAPI document. No imports, so the
// driver takes the rule without the schemas (`@provision/events/topic-names`).

const VERSION = /\.(v\d+)$/;
const DEAD_LETTER = /\.dlq(\.v\d+)?$/;

/**
 * The dead-letter topic of a topic: `provisioning.commands.v1` → `provisioning.commands.dlq.v1`
 * (the version stays last, so the dead letters of v2 are apart); an unversioned `x` → `x.dlq`.
 * A prefix (`TOPIC_PREFIX`) stays in front.
 */
export function deadLetterTopic(topic: string): string {
  return VERSION.test(topic) ? topic.replace(VERSION, '.dlq.$1') : `${topic}.dlq`;
}

/** Whether a topic is a dead-letter topic (so its messages are never dead-lettered again). */
export function isDeadLetterTopic(topic: string): boolean {
  return DEAD_LETTER.test(topic);
}

/** The topic a dead-letter topic holds the dead letters of: `deadLetterTopic`'s inverse. */
export function sourceTopicOf(deadLetter: string): string {
  return deadLetter.replace(DEAD_LETTER, '$1');
}

/** The retry topic of a versioned topic: `provisioning.commands.v1` → `provisioning.commands.retry.v1`. */
export function retryTopic(topic: string): string {
  return topic.replace(VERSION, '.retry.$1');
}
