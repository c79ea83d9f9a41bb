import {
  DirectoryEventV1,
  deadLetterTopic,
  keyProblem,
  ProvisioningCommandV1,
  ProvisioningResultV1,
  TOPICS,
  type TopicName,
} from '@provision/events';
import { type BatchContext, type ConsumerRunner, type KafkaClient, type Outcome, outcome } from '@provision/kafka';
import type { Logger } from '@provision/ports';
import type { z } from 'zod';
import type { AuditEventSource, AuditHandlers, AuditItem } from '../domain/ports.ts';
import { deadLetterInput } from './kafka-dead-letter-input.ts';

/** Settings of the audit's Kafka side. */
export interface KafkaEventSourceOptions {
  kafka: KafkaClient;
  /** Prepended to every topic name and group id (tests isolate with it). */
  topicPrefix: string;
  partitions: number;
  logger: Logger;
  /** Most messages written in one transaction (default 200). */
  batchSize?: number;
}

const CONSUMED: readonly TopicName[] = [TOPICS.commands, TOPICS.liveCommands, TOPICS.results, TOPICS.directory];

// The driver takes one schema per consumer; this one consumer reads four topics, so the value
// passes through and is validated against its own topic's schema below.
const passThrough = { safeParse: (value: unknown) => ({ success: true as const, data: value }) };

function problems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** The item a message records, a reason to skip it, or why it is poison. */
export function toItem(
  topic: TopicName | undefined,
  value: unknown,
  partition: number,
): { item: AuditItem } | { skip: string } | { invalid: string } {
  // Commands come in two lanes (the bulk one and the live one of the changes Entra notified); the
  // log treats them alike.
  if (topic === TOPICS.commands || topic === TOPICS.liveCommands) {
    const parsed = ProvisioningCommandV1.safeParse(value);
    return parsed.success ? { item: { kind: 'command', command: parsed.data } } : { invalid: problems(parsed.error) };
  }
  if (topic === TOPICS.results) {
    const parsed = ProvisioningResultV1.safeParse(value);
    return parsed.success ? { item: { kind: 'result', result: parsed.data } } : { invalid: problems(parsed.error) };
  }
  const parsed = DirectoryEventV1.safeParse(value);
  if (!parsed.success) return { invalid: problems(parsed.error) };
  const e = parsed.data;
  // Only the markers matter here: user facts are the mapper's business.
  if (e.type !== 'sync.started' && e.type !== 'sync.completed') return { skip: 'not a sync marker' };
  return { item: { kind: 'sync-marker', marker: e, partition } };
}

/**
 * Consumes commands (both lanes), results and directory sync markers through `@provision/kafka`
 * (one group; a partition's batch is written in one transaction, then committed), and their four
 * dead-letter topics through its raw mode (their messages as they are, in a second group).
 */
export function createKafkaEventSource(options: KafkaEventSourceOptions): AuditEventSource {
  const { kafka, topicPrefix: prefix } = options;
  const topicOf = new Map(CONSUMED.map((t) => [`${prefix}${t}`, t]));
  let runner: ConsumerRunner | undefined;
  let deadLetters: ConsumerRunner | undefined;

  async function handle(handlers: AuditHandlers, values: unknown[], ctx: BatchContext): Promise<Outcome[]> {
    const topic = topicOf.get(ctx.topic);
    const outcomes: Outcome[] = [];
    const items: AuditItem[] = [];
    const pending: number[] = [];
    for (const [i, value] of values.entries()) {
      const r = toItem(topic, value, ctx.partition);
      if ('invalid' in r) {
        outcomes[i] = outcome.deadLetter(`value does not match the ${topic} schema: ${r.invalid}`, {
          code: 'PRV_EVENT_INVALID',
        });
      } else if ('skip' in r) {
        outcomes[i] = outcome.skipped(r.skip);
      } else {
        items.push(r.item);
        pending.push(i);
      }
    }
    try {
      await handlers.record(items);
      for (const i of pending) outcomes[i] = outcome.done();
    } catch {
      // One bad row must not hold back the batch: write them one by one, and retry (then
      // dead-letter) only those that still fail.
      for (const [n, i] of pending.entries()) {
        try {
          await handlers.record([items[n] as AuditItem]);
          outcomes[i] = outcome.done();
        } catch (error) {
          outcomes[i] = outcome.retry(`could not write the log: ${(error as Error).message}`, { error });
        }
      }
    }
    return outcomes;
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
        verifyKey: keyProblem,
        // A log row is worth waiting for: PostgreSQL down for minutes must not dead-letter valid events.
        retry: { maxAttempts: 30, maxDelayMs: 30_000 },
        partitionsConcurrently: 3,
        batchSize: options.batchSize ?? 200,
        logger: options.logger,
        batchHandler: (values, ctx) => handle(handlers, values, ctx),
      });
      await runner.start();
      deadLetters = kafka.consumer({
        groupId: `${prefix}audit-dead-letters`,
        topics: dlqTopics,
        // A dead letter is the last trace of a message: wait for the log as long as it takes.
        retry: { maxAttempts: Number.MAX_SAFE_INTEGER, maxDelayMs: 30_000 },
        logger: options.logger,
        rawHandler: async (message, ctx) => {
          try {
            await handlers.deadLetter(deadLetterInput(message, ctx, prefix));
            return outcome.done();
          } catch (error) {
            return outcome.retry(`could not write the dead letter to the log: ${(error as Error).message}`, { error });
          }
        },
      });
      await deadLetters.start();
    },
    async stop() {
      await Promise.allSettled([runner?.stop(), deadLetters?.stop()]);
    },
    ready: () => (runner?.isReady() ?? false) && (deadLetters?.isReady() ?? false),
  };
}
