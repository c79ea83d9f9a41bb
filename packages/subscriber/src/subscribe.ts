import { keyProblem, TOPIC_SCHEMAS, type TopicName } from '@provision/events';
import {
  type ConsumerRunner,
  type EventSchema,
  type HandlerContext,
  type KafkaClient,
  type Logger,
  type Outcome,
  outcome,
  type SingleConsumerOptions,
} from '@provision/kafka';
import type { EventOf } from './parse.ts';

/** How to subscribe to one of Provision's topics. */
export interface SubscribeOptions<T extends TopicName> {
  kafka: KafkaClient;
  /** The topic, by its v1 name (`TOPICS.lifecycle`, `TOPICS.results`, …). */
  topic: T;
  /** Your own consumer group: replicas of your subscriber share it; never reuse one of Provision's. */
  groupId: string;
  /** Provision's `TOPIC_PREFIX`, when its deployment sets one. */
  topicPrefix?: string;
  /**
   * Called once per valid event, in order per user. Return nothing (or `outcome.done()`) to commit,
   * `outcome.retry(…)` to try again after a backoff, `outcome.deadLetter(…)` to give up on it; a
   * throw is retried when the error is retriable, else dead-lettered. Delivery is at least once:
   * the same event can come again after a restart, so make the handler idempotent.
   */
  handler: (event: EventOf<T>, ctx: HandlerContext) => Promise<Outcome | undefined>;
  /** Start from the earliest retained event when the group is new (default true). */
  fromBeginning?: boolean;
  /**
   * Invalid events and events your handler gives up on go to `<topic>.dlq.v1` with the reason
   * (created at start when missing; default true). false needs no topic-creation right: the driver
   * then still sends them there, so the topic must exist.
   */
  createDeadLetterTopics?: boolean;
  logger?: Logger;
  /** Anything else the driver takes (retry budget, group timings, fetch sizes). */
  consumer?: Partial<
    Pick<
      SingleConsumerOptions<unknown>,
      | 'retry'
      | 'sessionTimeoutMs'
      | 'heartbeatIntervalMs'
      | 'rebalanceTimeoutMs'
      | 'maxWaitTimeMs'
      | 'partitionsConcurrently'
      | 'maxMessageBytes'
    >
  >;
}

/**
 * A running subscription to one topic through `@provision/kafka`: each message is decoded,
 * validated with the topic's v1 schema (unknown fields dropped, so added fields never break you),
 * checked against its key, handed to `handler` typed, and committed once the handler is done.
 * Call `start()`, and `stop()` on shutdown.
 */
export function subscribe<T extends TopicName>(options: SubscribeOptions<T>): ConsumerRunner {
  const schema = TOPIC_SCHEMAS[options.topic].schema as unknown as EventSchema<EventOf<T>>;
  return options.kafka.consumer<EventOf<T>>({
    ...options.consumer,
    groupId: options.groupId,
    topics: [`${options.topicPrefix ?? ''}${options.topic}`],
    schema,
    verifyKey: keyProblem,
    fromBeginning: options.fromBeginning ?? true,
    createDeadLetterTopics: options.createDeadLetterTopics ?? true,
    ...(options.logger ? { logger: options.logger } : {}),
    handler: async (event, ctx) => (await options.handler(event, ctx)) ?? outcome.done(),
  });
}
