import {
  DirectoryEventV1,
  deadLetterTopic,
  ProvisioningCommandV1,
  ProvisioningResultV1,
  TOPICS,
  type TopicName,
} from '@provision/events';
import { type ConsumerRunner, type HandlerContext, type KafkaClient, type Outcome, outcome } from '@provision/kafka';
import type { Logger } from '@provision/telemetry';
import type { AuditEventSource, AuditHandlers } from '../ports.ts';
import { createDeadLetterConsumer, type DeadLetterConsumer } from './dead-letter-consumer.ts';

/** Settings of the audit's Kafka side. */
export interface KafkaEventSourceOptions {
  kafka: KafkaClient;
  brokers: readonly string[];
  /** Prepended to every topic name and group id (tests isolate with it). */
  topicPrefix: string;
  partitions: number;
  logger: Logger;
}

const CONSUMED: readonly TopicName[] = [TOPICS.commands, TOPICS.results, TOPICS.directory];

// The driver takes one schema per consumer; this one consumer reads three topics, so the value
// passes through and is validated against its own topic's schema in the handler.
const passThrough = { safeParse: (value: unknown) => ({ success: true as const, data: value }) };

/**
 * Consumes commands, results and directory sync markers through `@provision/kafka` (one group,
 * commit after the row is written), and the three dead-letter topics through a raw consumer.
 */
export function createKafkaEventSource(options: KafkaEventSourceOptions): AuditEventSource {
  const { kafka, topicPrefix: prefix } = options;
  const topicOf = new Map(CONSUMED.map((t) => [`${prefix}${t}`, t]));
  let runner: ConsumerRunner | undefined;
  let dlq: DeadLetterConsumer | undefined;

  async function handle(handlers: AuditHandlers, value: unknown, ctx: HandlerContext): Promise<Outcome> {
    const topic = topicOf.get(ctx.topic);
    const parsed =
      topic === TOPICS.commands
        ? ProvisioningCommandV1.safeParse(value)
        : topic === TOPICS.results
          ? ProvisioningResultV1.safeParse(value)
          : DirectoryEventV1.safeParse(value);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      return outcome.deadLetter(`value does not match the ${topic} schema: ${problems}`, {
        code: 'PRV_EVENT_INVALID',
      });
    }
    if (topic === TOPICS.commands) await handlers.command(parsed.data as ProvisioningCommandV1);
    else if (topic === TOPICS.results) await handlers.result(parsed.data as ProvisioningResultV1);
    else await handlers.directory(parsed.data as DirectoryEventV1, { partition: ctx.partition });
    return outcome.done();
  }

  return {
    async start(handlers) {
      const topics = CONSUMED.map((t) => `${prefix}${t}`);
      const dlqTopics = CONSUMED.map((t) => `${prefix}${deadLetterTopic(t)}`);
      await kafka.ensureTopics([...topics, ...dlqTopics].map((topic) => ({ topic, partitions: options.partitions })));
      runner = kafka.consumer<unknown>({
        groupId: `${prefix}audit`,
        topics,
        schema: passThrough,
        // A log row is worth waiting for: PostgreSQL down for minutes must not dead-letter valid events.
        retry: { maxAttempts: 30, maxDelayMs: 30_000 },
        partitionsConcurrently: 3,
        logger: options.logger,
        handler: (value, ctx) => handle(handlers, value, ctx),
      });
      await runner.start();
      dlq = createDeadLetterConsumer({
        brokers: options.brokers,
        groupId: `${prefix}audit-dead-letters`,
        topics: dlqTopics,
        prefix,
        logger: options.logger,
      });
      await dlq.start(handlers.deadLetter);
    },
    async stop() {
      await Promise.allSettled([runner?.stop(), dlq?.stop()]);
    },
    ready: () => (runner?.isReady() ?? false) && (dlq?.ready() ?? false),
  };
}
