import { type ErrorCode, isProvisionError, isRetriable } from '@provision/errors';
import { isDeadLetterTopic } from '@provision/events/topic-names';
import { nextDelay, type RetryPolicy } from '@provision/retry';
import type { KafkaMessage } from 'kafkajs';
import { describe } from '../internal/errors.ts';
import { endProcessSpan, startBatchSpan, startProcessSpan, traceparentOf, withSpan } from '../internal/tracing.ts';
import type { Outcome } from '../outcome.ts';
import type { EventProducer } from '../producer.ts';
import type { BatchContext, Logger, MessageMeta } from '../types.ts';
import { sendToDeadLetter } from './dead-letter.ts';

/** What dead-lettering needs from the consumer. */
export interface DeadLetterDeps {
  groupId: string;
  policy: RetryPolicy;
  deadLetterProducer: () => Promise<EventProducer>;
  onOutcome?: (topic: string, status: Outcome['status'] | 'dead-lettered') => void;
}

/** Writes one message to its dead-letter topic. */
export type DeadLetterFn = (message: KafkaMessage, code: ErrorCode, reason: string, attempts: number) => Promise<void>;

/**
 * Dead-letters the messages of one partition, never dropping one: a failed write is tried again
 * after `wait` (which throws to give up when the consumer stops or loses the partition). A message
 * on a dead-letter topic is logged and skipped, never dead-lettered again.
 */
export function deadLetterer(
  deps: DeadLetterDeps,
  topic: string,
  partition: number,
  log: Logger,
  wait: (ms: number) => Promise<void>,
): DeadLetterFn {
  return async (message, code, reason, attempts) => {
    if (isDeadLetterTopic(topic)) {
      log.error({ offset: message.offset, code, reason }, 'message on a dead-letter topic failed; skipping it');
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const producer = await deps.deadLetterProducer();
        const why = { code, reason, attempts, groupId: deps.groupId };
        const { truncated } = await sendToDeadLetter(producer, topic, partition, message, why);
        // Cut: the broker refused the whole message even compressed, so the letter holds its start.
        const cut = truncated.length > 0 ? { truncated, bytes: message.value?.length ?? 0 } : {};
        const key = message.key?.toString().slice(0, 200);
        log.warn({ offset: message.offset, key, code, reason, attempts, ...cut }, 'dead-lettered');
        deps.onOutcome?.(topic, 'dead-lettered');
        return;
      } catch (error) {
        // Never drop a message: keep trying to dead-letter it until it works or we stop.
        log.error({ offset: message.offset, err: describe(error) }, 'could not write to the dead-letter topic');
        const decision = nextDelay({ attempt: Math.min(attempt, deps.policy.maxAttempts - 1), policy: deps.policy });
        await wait(decision.retry ? decision.delayMs : deps.policy.maxDelayMs);
      }
    }
  };
}

/**
 * Calls a batch handler once: each event in its own process span (its trace goes on from there),
 * the call in one batch span linked to them. Always one outcome per event: a throw, or a wrong
 * number of outcomes, becomes an outcome for every event.
 */
export async function callBatch<T>(
  handler: (events: T[], ctx: BatchContext) => Promise<Outcome[]>,
  items: readonly { event: T; meta: MessageMeta }[],
  base: Omit<BatchContext, 'messages'>,
): Promise<Outcome[]> {
  const spans = items.map((d) => startProcessSpan(d.meta));
  const messages: MessageMeta[] = items.map((d, n) => ({
    ...d.meta,
    traceparent: traceparentOf(spans[n]!) ?? d.meta.traceparent,
  }));
  const batchSpan = startBatchSpan(base.topic, spans);
  let outcomes: Outcome[];
  try {
    outcomes = await withSpan(batchSpan, () =>
      handler(
        items.map((d) => d.event),
        { ...base, messages },
      ),
    );
    if (!Array.isArray(outcomes) || outcomes.length !== items.length) {
      const got = Array.isArray(outcomes) ? outcomes.length : 'no';
      outcomes = items.map(() => ({
        status: 'retry',
        reason: `batch handler returned ${got} outcomes for ${items.length} events`,
      }));
    }
  } catch (error) {
    const whole = outcomeOfError(error);
    outcomes = items.map(() => whole);
  }
  for (const [n, span] of spans.entries()) {
    const o = outcomes[n]!;
    endProcessSpan(span, o.status, 'reason' in o ? o.reason : undefined);
  }
  endProcessSpan(batchSpan, outcomes.every((o) => o.status === 'retry') ? 'retry' : 'handled');
  return outcomes;
}

/** A handler's outcome, with a throw turned into retry (retriable) or dead-letter (not). */
export async function invoke(call: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await call();
  } catch (error) {
    return outcomeOfError(error);
  }
}

export function outcomeOfError(error: unknown): Outcome {
  const reason = describe(error);
  if (isRetriable(error)) return { status: 'retry', reason, error };
  return { status: 'dead-letter', reason, error, code: isProvisionError(error) ? error.code : 'PRV_HANDLER_FAILED' };
}
