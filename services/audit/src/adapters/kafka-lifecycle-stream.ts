import { keyProblem, type LifecycleEventV1, ProvisioningResultV1, TOPIC_SCHEMAS, TOPICS } from '@provision/events';
import {
  type BatchContext,
  type ConsumerRunner,
  type EventProducer,
  type KafkaClient,
  type Outcome,
  outcome,
} from '@provision/kafka';
import type { Logger } from '@provision/ports';
import { type CommandReasons, changesAccess, type LifecycleStream, lifecycleEventOf } from '../domain/lifecycle.ts';

/** Settings of the lifecycle stream. */
export interface KafkaLifecycleStreamOptions {
  kafka: KafkaClient;
  /** Prepended to every topic name and group id (tests isolate with it). */
  topicPrefix: string;
  partitions: number;
  /** The command's reasons (leaver or deprovisioned), read from the provisioning log. */
  commands: CommandReasons;
  logger: Logger;
  /**
   * How long a result waits for its command to be in the log before its event goes out without
   * the reasons (a `disable` is then `deprovisioned`). Default 60 s: the log records commands as
   * they come, well before their results, unless it is far behind.
   */
  commandWaitMs?: number;
}

const TYPE = TOPIC_SCHEMAS[TOPICS.lifecycle].cloudEventType;
const passThrough = { safeParse: (value: unknown) => ({ success: true as const, data: value }) };
const WAIT_STEP_MS = 1_000;

/**
 * Derives `provisioning.lifecycle.v1` from `provisioning.results.v1` in its own consumer group
 * (`<prefix>audit-lifecycle`): a partition's batch of results gives its events, published in one
 * request, then the results are committed. At least once: a result redelivered after a crash
 * between publish and commit publishes its event again, identical, with the same `ce_id`.
 */
export function createKafkaLifecycleStream(options: KafkaLifecycleStreamOptions): LifecycleStream {
  const { kafka, topicPrefix: prefix } = options;
  const target = `${prefix}${TOPICS.lifecycle}`;
  const waitAttempts = Math.max(1, Math.ceil((options.commandWaitMs ?? 60_000) / WAIT_STEP_MS));
  const logger = options.logger.child({ component: 'lifecycle' });
  let runner: ConsumerRunner | undefined;
  let producer: EventProducer | undefined;

  async function handle(values: unknown[], ctx: BatchContext): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const events: { index: number; event: LifecycleEventV1 }[] = [];
    // A result waiting for its command holds back the later results of its user, so that one
    // user's events keep their order.
    const held = new Set<string>();
    for (const [i, value] of values.entries()) {
      const parsed = ProvisioningResultV1.safeParse(value);
      const key = ctx.messages[i]?.key ?? '';
      if (!parsed.success || keyProblem(parsed.data, key) !== undefined) {
        // The log's own consumer dead-letters it; a second dead letter would say nothing more.
        outcomes[i] = outcome.skipped('not a valid result for its key');
        continue;
      }
      const result = parsed.data;
      if (held.has(result.userId)) {
        outcomes[i] = outcome.retry('an earlier result of this user waits for its command', { delayMs: WAIT_STEP_MS });
        continue;
      }
      if (!changesAccess(result)) {
        outcomes[i] = outcome.skipped('changed no one’s access');
        continue;
      }
      const reasons = await options.commands.reasonsOf(result.commandId);
      if (reasons === null && ctx.attempt < waitAttempts) {
        held.add(result.userId);
        outcomes[i] = outcome.retry(`command ${result.commandId} is not in the log yet`, { delayMs: WAIT_STEP_MS });
        continue;
      }
      if (reasons === null) logger.warn({ commandId: result.commandId }, 'command never reached the log: no reasons');
      const event = lifecycleEventOf(result, reasons);
      if (event === null) outcomes[i] = outcome.skipped('changed no one’s access');
      else events.push({ index: i, event });
    }
    if (events.length > 0) {
      try {
        await producer!.send(
          events.map(({ index, event }) => ({
            topic: target,
            key: event.userId,
            type: TYPE,
            id: event.eventId,
            time: event.occurredAt,
            value: event,
            ...(ctx.messages[index]?.traceparent ? { traceparent: ctx.messages[index].traceparent } : {}),
          })),
        );
        for (const { index } of events) outcomes[index] = outcome.done();
      } catch (error) {
        for (const { index } of events)
          outcomes[index] = outcome.retry(`could not publish: ${(error as Error).message}`, { error });
      }
    }
    return outcomes;
  }

  return {
    async start() {
      await kafka.ensureTopics([
        { topic: `${prefix}${TOPICS.results}`, partitions: options.partitions },
        { topic: target, partitions: options.partitions },
      ]);
      producer = await kafka.producer({ source: '/provision/audit' });
      runner = kafka.consumer<unknown>({
        groupId: `${prefix}audit-lifecycle`,
        topics: [`${prefix}${TOPICS.results}`],
        // Validated in the handler: an invalid result is skipped here, not dead-lettered twice.
        schema: passThrough,
        verifyKey: false,
        // Waiting for a command, or for Kafka, must never dead-letter a valid result.
        retry: { maxAttempts: waitAttempts + 30, maxDelayMs: 30_000 },
        partitionsConcurrently: 3,
        batchSize: 200,
        logger,
        batchHandler: handle,
      });
      await runner.start();
    },
    async stop() {
      await runner?.stop();
      await producer?.disconnect();
    },
  };
}
