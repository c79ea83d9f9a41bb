import { nextDelay, type RetryPolicy } from '@provision/retry';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { sleepWithHeartbeat } from '../internal/sleep.ts';
import { endProcessSpan, startProcessSpan, traceparentOf, withSpan } from '../internal/tracing.ts';
import type { Outcome } from '../outcome.ts';
import type { EventProducer } from '../producer.ts';
import type { BatchContext, HandlerContext, Logger } from '../types.ts';
import type { Decoded } from './decode.ts';
import { callBatch, deadLetterer, invoke } from './handling.ts';

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
  const deadLetter = deadLetterer(deps, topic, partition, log, wait);

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
          const outcomes = await callBatch(handler, items, {
            topic,
            partition,
            attempt,
            logger: log,
            signal: deps.signal,
          });
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
