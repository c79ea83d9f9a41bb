import { keyProblem, ProvisioningCommandV1, TOPIC_SCHEMAS, TOPICS } from '@provision/events';
import {
  type ConsumerRunner,
  type EventSchema,
  type KafkaClient,
  type Logger,
  type Outcome,
  outcome,
  type PartitionFence,
} from '@provision/kafka';
import { isUrgent } from '../domain/command-parts.ts';
import type { CommandSource, ResultSink } from '../domain/ports.ts';

export interface KafkaCommandSourceOptions {
  readonly client: KafkaClient;
  readonly groupId: string;
  readonly topic: string;
  /** Most commands of one partition per handler call. */
  readonly batchSize: number;
  readonly partitionsConcurrently: number;
  /**
   * Most commands taken from Kafka and not yet answered, all partitions together: the writer reads
   * this far ahead of Salesforce's answers, and no further (its memory bound in a sync's backlog).
   */
  readonly maxInHand: number;
  /**
   * Which replica may work a partition (`RedisPartitionFence`): a replica that takes a partition
   * over waits until the one before settled its commands in hand. Unset: one replica only.
   */
  readonly fence?: PartitionFence;
  /**
   * Most bytes one fetch brings in, all partitions together (default 512 KiB, all of it from one
   * partition if it has that much). A fetch is held while it waits for room in the hand, messages and all.
   */
  readonly fetchMaxBytes?: number;
  readonly sessionTimeoutMs: number;
  readonly logger?: Logger;
  readonly onOutcome?: (topic: string, status: string) => void;
  /**
   * Why a command must not be carried out (a field the mapping cannot produce: `commandRefusal`),
   * or undefined. A refused command is dead-lettered (PRV_COMMAND_REFUSED) and never reaches Salesforce.
   */
  readonly refuse?: (command: ProvisioningCommandV1) => string | undefined;
  /**
   * The topic is the live lane (`provisioning.commands.live.v1`): its commands are handed over as
   * `live`, written ahead of a sync's backlog.
   */
  readonly live?: boolean;
}

// The writer decides itself when to give up on a command (it answers every command with a result;
// only a job-level refusal, an admin's pause or an unreachable Redis/Kafka asks for a retry), so the
// driver's retry budget must outlast a quarantine and a pause of any length (a held batch comes back
// every WRITER_CONTROL_POLL_MS) instead of dead-lettering commands Salesforce never refused.
const DEFAULT_FETCH_BYTES = 512 * 1024;

const RETRY_FOREVER = { maxAttempts: Number.MAX_SAFE_INTEGER, maxDelayMs: 60_000 };

/**
 * Commands from `provisioning.commands.v1` (or its live lane) through `@provision/kafka`'s batch
 * mode: validated (invalid messages are dead-lettered by the driver), handed over a partition chunk
 * at a time, and committed only once answered `done`.
 */
export function kafkaCommandSource(options: KafkaCommandSourceOptions): CommandSource {
  let runner: ConsumerRunner | undefined;
  const fetchMaxBytes = options.fetchMaxBytes ?? DEFAULT_FETCH_BYTES;
  const lane = options.live ? { live: true } : {};
  return {
    async start(handler) {
      runner = options.client.consumer<ProvisioningCommandV1>({
        groupId: options.groupId,
        topics: [options.topic],
        schema: ProvisioningCommandV1 as EventSchema<ProvisioningCommandV1>,
        verifyKey: keyProblem,
        batchSize: options.batchSize,
        // Commands are taken into a bounded hand as they are fetched (the fetch's buffer is not
        // kept) and handed over as soon as no earlier command of the same user is unanswered: the
        // next flush fills while Salesforce answers the last, and an admin's on-demand command goes
        // ahead of a sync's backlog already in hand.
        readAhead: {
          maxInHand: options.maxInHand,
          urgent: isUrgent,
          // Refused as taken: the dead letter keeps the forged command's bytes as they were sent.
          refuse: (command) => {
            const reason = options.refuse?.(command);
            return reason === undefined ? undefined : { code: 'PRV_COMMAND_REFUSED', reason };
          },
          ...(options.fence ? { fence: options.fence } : {}),
        },
        maxBytesPerPartition: fetchMaxBytes,
        maxBytes: fetchMaxBytes,
        partitionsConcurrently: options.partitionsConcurrently,
        sessionTimeoutMs: options.sessionTimeoutMs,
        rebalanceTimeoutMs: options.sessionTimeoutMs,
        retry: RETRY_FOREVER,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
        batchHandler: async (commands, ctx) => {
          const answers = await handler(
            commands.map((command, i) => ({ command, traceparent: ctx.messages[i]?.traceparent, ...lane })),
          );
          return answers.map(
            (a): Outcome => (a.status === 'done' ? outcome.done() : outcome.retry(a.reason, { delayMs: a.delayMs })),
          );
        },
      });
      await runner.start();
    },
    async stop() {
      await runner?.stop();
    },
    ready: () => runner?.isReady() ?? false,
    inHand: () => runner?.hand()?.inHand,
  };
}

/** Results to `provisioning.results.v1`, keyed by the Entra user id, carrying the command's trace. */
export function kafkaResultSink(
  producer: { send: import('@provision/kafka').EventProducer['send'] },
  topic: string,
): ResultSink {
  const type = TOPIC_SCHEMAS[TOPICS.results].cloudEventType;
  return {
    async publish(results) {
      if (results.length === 0) return;
      await producer.send(
        results.map(({ result, traceparent }) => ({
          topic,
          key: result.userId,
          value: result,
          type,
          // One id per command's result: a republished result is recognisably the same event.
          id: `result:${result.commandId}`,
          time: result.completedAt,
          subject: result.userId,
          ...(traceparent ? { traceparent } : {}),
        })),
      );
    },
  };
}
