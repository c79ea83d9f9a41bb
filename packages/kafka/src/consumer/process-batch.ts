import { type ErrorCode, isProvisionError, isRetriable } from '@provision/errors';
import { isDeadLetterTopic } from '@provision/events/topic-names';
import { nextDelay, type RetryPolicy } from '@provision/retry';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { describe } from '../internal/errors.ts';
import { sleepWithHeartbeat } from '../internal/sleep.ts';
import { endProcessSpan, startBatchSpan, startProcessSpan, traceparentOf, withSpan } from '../internal/tracing.ts';
import type { Outcome } from '../outcome.ts';
import type { EventProducer } from '../producer.ts';
import type { BatchContext, HandlerContext, Logger, MessageMeta } from '../types.ts';
import { sendToDeadLetter } from './dead-letter.ts';
import type { Decoded } from './decode.ts';

/** The handler a runner calls: one event at a time, or a chunk of a partition's events. */
export type HandlerMode<T> =
  | { kind: 'single'; handler: (event: T, ctx: HandlerContext) => Promise<Outcome> }
  | { kind: 'batch'; batchSize: number; handler: (events: T[], ctx: BatchContext) => Promise<Outcome[]> };

/** Everything `processBatch` needs besides the fetched batch. */
export interface ProcessDeps<T> {
  groupId: string;
  /** Turns a message into the handler's input, or says why it is poison (`decodeMessage`, `rawMessage`). */
  decode: (topic: string, partition: number, message: KafkaMessage) => Decoded<T>;
  mode: HandlerMode<T>;
  policy: RetryPolicy;
  logger: Logger;
  signal: AbortSignal;
  deadLetterProducer: () => Promise<EventProducer>;
  onOutcome?: (topic: string, status: Outcome['status'] | 'dead-lettered') => void;
}

/** Thrown inside to unwind when the consumer stops or loses the partition mid-work. */
class Interrupted extends Error {}

type Verdict = { finished: true } | { finished: false; retry: Extract<Outcome, { status: 'retry' }> };

/**
 * Processes one fetched batch of one partition: decode and validate, call the handler, retry
 * transient failures with backoff (heartbeating while it waits), dead-letter poison, and commit
 * `offset + 1` of the last finished message. Offsets are resolved only for finished messages, so
 * an interruption (stop, rebalance) leaves the rest to be redelivered: at least once.
 */
export async function processBatch<T>(payload: EachBatchPayload, deps: ProcessDeps<T>): Promise<void> {
  const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
  const { topic, partition } = batch;
  const log = deps.logger.child({ topic, partition });
  // `next` is offset + 1 of the last finished message; `committed` what the group has.
  let next: bigint | undefined;
  let committed: bigint | undefined;

  const commit = async () => {
    if (next === undefined || (committed !== undefined && committed >= next)) return;
    const offset = next;
    await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: offset.toString() }] }] });
    committed = offset;
  };
  const finish = (message: KafkaMessage) => {
    const following = BigInt(message.offset) + 1n;
    if (next !== undefined && following <= next) return;
    resolveOffset(message.offset);
    next = following;
  };
  const live = () => isRunning() && !isStale() && !deps.signal.aborted;
  // Waits out a backoff; commits finished work first so a crash meanwhile does not redo it.
  const wait = async (ms: number) => {
    await commit();
    const completed = await sleepWithHeartbeat(ms, { signal: deps.signal, tick: heartbeat });
    if (!completed || !live()) throw new Interrupted();
  };
  const deadLetter = async (message: KafkaMessage, code: ErrorCode, reason: string, attempts: number) => {
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

  try {
    const size = deps.mode.kind === 'batch' ? deps.mode.batchSize : 1;
    for (let start = 0; start < batch.messages.length; start += size) {
      if (!live()) break;
      const chunk = batch.messages.slice(start, start + size);
      const decoded = chunk.map((m) => deps.decode(topic, partition, m));
      const done = new Array<boolean>(chunk.length).fill(false);
      const finishPrefix = () => {
        for (let i = 0; i < chunk.length && done[i]; i++) finish(chunk[i]!);
      };
      for (const [i, d] of decoded.entries()) {
        if (!d.ok) {
          await deadLetter(chunk[i]!, d.code, d.reason, 0);
          done[i] = true;
        }
      }
      const valid = [...decoded.keys()].filter((i) => decoded[i]!.ok);
      const runChunk = async () => {
        if (deps.mode.kind === 'single') {
          for (const i of valid) await handleOne(deps.mode.handler, decoded[i] as Decoded<T> & { ok: true }, chunk[i]!);
        } else {
          await handleMany(deps.mode.handler, valid, decoded, chunk);
        }
      };
      const handleOne = async (
        handler: (event: T, ctx: HandlerContext) => Promise<Outcome>,
        d: Decoded<T> & { ok: true },
        message: KafkaMessage,
      ) => {
        for (let attempt = 1; ; attempt++) {
          const ctxLog = log.child({ offset: d.meta.offset, key: d.meta.key });
          // The handler runs in the message's process span, and what it sends follows from it.
          const span = startProcessSpan(d.meta);
          const traceparent = traceparentOf(span) ?? d.meta.traceparent;
          const result = await withSpan(span, () =>
            invoke(() => handler(d.event, { ...d.meta, traceparent, attempt, logger: ctxLog, signal: deps.signal })),
          );
          endProcessSpan(span, result.status, 'reason' in result ? result.reason : undefined);
          const verdict = await settle(result, message, attempt);
          if (verdict.finished) {
            done[chunk.indexOf(message)] = true;
            return;
          }
          const decision = nextDelay({ attempt, policy: deps.policy });
          if (!decision.retry) {
            await deadLetter(
              message,
              'PRV_HANDLER_FAILED',
              `gave up after ${attempt} attempts: ${verdict.retry.reason}`,
              attempt,
            );
            done[chunk.indexOf(message)] = true;
            return;
          }
          ctxLog.warn(
            { attempt, reason: verdict.retry.reason, delayMs: verdict.retry.delayMs ?? decision.delayMs },
            'retrying',
          );
          finishPrefix();
          await wait(verdict.retry.delayMs ?? decision.delayMs);
        }
      };
      const handleMany = async (
        handler: (events: T[], ctx: BatchContext) => Promise<Outcome[]>,
        indices: number[],
        all: Decoded<T>[],
        messages: KafkaMessage[],
      ) => {
        let pending = indices;
        const reasons = new Map<number, string>();
        for (let attempt = 1; pending.length > 0; attempt++) {
          const items = pending.map((i) => all[i] as Decoded<T> & { ok: true });
          // Each message gets its process span (its trace goes on from there: `metas[i].traceparent`);
          // the call runs in one batch span, in the first message's trace and linked to the others.
          const spans = items.map((d) => startProcessSpan(d.meta));
          const metas: MessageMeta[] = items.map((d, n) => ({
            ...d.meta,
            traceparent: traceparentOf(spans[n]!) ?? d.meta.traceparent,
          }));
          const ctx: BatchContext = { topic, partition, messages: metas, attempt, logger: log, signal: deps.signal };
          const batchSpan = startBatchSpan(topic, spans);
          let outcomes: Outcome[];
          try {
            outcomes = await withSpan(batchSpan, () =>
              handler(
                items.map((d) => d.event),
                ctx,
              ),
            );
            if (!Array.isArray(outcomes) || outcomes.length !== items.length) {
              outcomes = items.map(() => ({
                status: 'retry',
                reason: `batch handler returned ${Array.isArray(outcomes) ? outcomes.length : 'no'} outcomes for ${items.length} events`,
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
          const retry: number[] = [];
          let delayMs = 0;
          for (const [n, i] of pending.entries()) {
            const verdict = await settle(outcomes[n]!, messages[i]!, attempt);
            if (verdict.finished) done[i] = true;
            else {
              retry.push(i);
              reasons.set(i, verdict.retry.reason);
              delayMs = Math.max(delayMs, verdict.retry.delayMs ?? 0);
            }
          }
          pending = retry;
          if (pending.length === 0) return;
          const decision = nextDelay({ attempt, policy: deps.policy });
          if (!decision.retry) {
            for (const i of pending) {
              const reason = `gave up after ${attempt} attempts: ${reasons.get(i)}`;
              await deadLetter(messages[i]!, 'PRV_HANDLER_FAILED', reason, attempt);
              done[i] = true;
            }
            return;
          }
          log.warn(
            { attempt, retrying: pending.length, delayMs: delayMs || decision.delayMs },
            'retrying part of a batch',
          );
          finishPrefix();
          await wait(delayMs || decision.delayMs);
        }
      };
      // Turns an outcome into finished (done, skipped, dead-lettered) or still to retry.
      const settle = async (result: Outcome, message: KafkaMessage, attempt: number): Promise<Verdict> => {
        deps.onOutcome?.(topic, result.status);
        switch (result.status) {
          case 'done':
            return { finished: true };
          case 'skipped':
            log.debug({ offset: message.offset, reason: result.reason }, 'skipped');
            return { finished: true };
          case 'dead-letter':
            await deadLetter(message, result.code ?? 'PRV_HANDLER_FAILED', result.reason, attempt);
            return { finished: true };
          case 'retry':
            return { finished: false, retry: result };
        }
      };
      await runChunk();
      finishPrefix();
      await heartbeat();
    }
  } catch (error) {
    if (!(error instanceof Interrupted)) {
      await commit().catch(() => undefined);
      throw error;
    }
  }
  await commit();
}

/** A handler's outcome, with a throw turned into retry (retriable) or dead-letter (not). */
async function invoke(call: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await call();
  } catch (error) {
    return outcomeOfError(error);
  }
}

function outcomeOfError(error: unknown): Outcome {
  const reason = describe(error);
  if (isRetriable(error)) return { status: 'retry', reason, error };
  return { status: 'dead-letter', reason, error, code: isProvisionError(error) ? error.code : 'PRV_HANDLER_FAILED' };
}
