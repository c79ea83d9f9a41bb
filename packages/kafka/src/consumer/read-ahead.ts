import type { ErrorCode } from '@provision/errors';
import { nextDelay, type RetryPolicy } from '@provision/retry';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { describe } from '../internal/errors.ts';
import { Interner } from '../internal/intern.ts';
import { sleepWithHeartbeat } from '../internal/sleep.ts';
import type { Outcome } from '../outcome.ts';
import type { EventProducer } from '../producer.ts';
import type { BatchContext, Logger, MessageMeta } from '../types.ts';
import type { Decoded } from './decode.ts';
import { callBatch, type DeadLetterFn, deadLetterer } from './handling.ts';

/** Retries of one message before each further one is logged at warn level (before: info). */
const RETRIES_WORTH_A_WARNING = 3;

/**
 * Who may work a partition. A member holds a partition's fence from the first message it takes of
 * it until its work in hand is settled (answered, committed) after the partition moved away, so the
 * next owner, waiting for the fence, never works the same messages at the same time. Across
 * replicas it must be shared (a Redis lease); a hold lapses on its own when its member dies.
 */
export interface PartitionFence {
  /** Takes the member's hold on a partition or extends it: true when the member holds it now. */
  hold(topic: string, partition: number): Promise<boolean>;
  /** Gives the hold up. */
  release(topic: string, partition: number): Promise<void>;
  /** How often a hold is extended while its partition is worked (well within its lifetime). */
  readonly renewEveryMs: number;
}

/**
 * Read-ahead batch mode: messages are taken into a bounded hand as they are fetched, so the next
 * fetch does not wait for the slowest answer, and the handler is called with whatever may go.
 * Order is kept per message key (one call at a time per key, in offset order), not per
 * partition; offsets are committed in order, up to the first message not yet answered.
 */
export interface ReadAheadOptions<T> {
  /** Most messages taken and not yet answered, all partitions together: the consumer's memory bound. */
  maxInHand: number;
  /** Shared by the group's members (unset: safe for one member only; see `PartitionFence`). */
  fence?: PartitionFence;
  /** Events handed to the handler first when several may go (a change an admin waits for). */
  urgent?: (event: T) => boolean;
  /**
   * Why a valid event must not be handled (a command asking for what the service may not do), or
   * undefined: it is dead-lettered as it is taken, with its bytes as they were sent (the hand keeps
   * none for later), and never reaches the handler.
   */
  refuse?: (event: T) => { code: ErrorCode; reason: string } | undefined;
}

export interface ReadAheadDeps<T> {
  groupId: string;
  /** Commits offsets outside a fetch (`consumer.commitOffsets`). */
  commit: (offsets: { topic: string; partition: number; offset: string }[]) => Promise<void>;
  decode: (topic: string, partition: number, message: KafkaMessage) => Decoded<T>;
  handler: (events: T[], ctx: BatchContext) => Promise<Outcome[]>;
  batchSize: number;
  policy: RetryPolicy;
  logger: Logger;
  signal: AbortSignal;
  deadLetterProducer: () => Promise<EventProducer>;
  onOutcome?: (topic: string, status: Outcome['status'] | 'dead-lettered') => void;
  options: ReadAheadOptions<T>;
}

/** Where read-ahead stands, for metrics and tests: messages taken and not yet answered, handler calls under way. */
export interface ReadAheadView {
  inHand: number;
  calls: number;
}

type State = 'waiting' | 'calling' | 'answered' | 'dropped';

interface Entry<T> {
  readonly offset: bigint;
  readonly key: string;
  readonly urgent: boolean;
  state: State;
  event: T | undefined;
  meta: MessageMeta | undefined;
  attempt: number;
  notBefore: number;
}

class PartitionWork<T> {
  /** From `head` on: taken, in offset order; what is answered leaves from the front. */
  entries: Entry<T>[] = [];
  head = 0;
  /** The offset after the last message taken. */
  next: bigint | undefined;
  /** The offset after the answered prefix: what may be committed. */
  answered: bigint | undefined;
  committed: bigint | undefined;
  inHand = 0;
  calls = 0;
  held = false;
  /** No longer this member's: nothing more is taken or handed; settled once its calls return. */
  revoked = false;
  /** Its fence went to another member: nothing more is committed either. */
  lost = false;
  settling: Promise<void> | undefined;
  readonly log: Logger;
  readonly deadLetter: DeadLetterFn;

  readonly topic: string;
  readonly partition: number;

  constructor(topic: string, partition: number, log: Logger, deadLetter: (log: Logger) => DeadLetterFn) {
    this.topic = topic;
    this.partition = partition;
    this.log = log;
    this.deadLetter = deadLetter(log);
  }

  /** Moves the answered prefix out; true when the committable offset advanced. */
  advance(): boolean {
    let moved = false;
    while (this.head < this.entries.length && this.entries[this.head]!.state === 'answered') {
      this.answered = this.entries[this.head]!.offset + 1n;
      this.head++;
      moved = true;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return moved;
  }

  *live(): Generator<Entry<T>> {
    for (let i = this.head; i < this.entries.length; i++) yield this.entries[i]!;
  }
}

class Interrupted extends Error {}

interface Poison<T> {
  entry: Entry<T>;
  message: KafkaMessage;
  code: ErrorCode;
  reason: string;
}

const RETRY_COMMIT_MS = 1_000;
const SETTLE_COMMIT_TRIES = 5;
const WAIT_TICK_MS = 1_000;
const CLOSE_TIMEOUT_MS = 30_000;

/**
 * The message again, for its dead letter. The hand keeps no bytes (a copy of every value was 9 MB of
 * a writer's hand of 4,000; a slice would pin the fetch's whole buffer): the value is the decoded
 * event re-encoded as JSON, marked `dlq_value_reencoded`; key and headers are as they came.
 */
function letterOf<T>(entry: Entry<T>): KafkaMessage {
  const meta = entry.meta!;
  return {
    key: Buffer.from(meta.key),
    value: Buffer.from(JSON.stringify(entry.event)),
    headers: { ...meta.headers, dlq_value_reencoded: 'true' },
    offset: meta.offset,
    timestamp: String(meta.timestamp),
    attributes: 0,
  } as unknown as KafkaMessage;
}

/**
 * The hand of a read-ahead consumer: `intake` takes a fetched batch (waiting, heartbeating, while
 * the hand is full), `assigned` settles the partitions the group moved away, `close` settles all.
 */
export class ReadAhead<T> {
  readonly #deps: ReadAheadDeps<T>;
  readonly #parts = new Map<string, PartitionWork<T>>();
  #inHand = 0;
  #calls = 0;
  #wakers: (() => void)[] = [];
  #retryTimer: NodeJS.Timeout | undefined;
  #retryAt = Number.POSITIVE_INFINITY;
  #commitTimer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #committing: Promise<void> | undefined;
  #commitAgain = false;
  #closing = false;
  readonly #interner = new Interner();

  constructor(deps: ReadAheadDeps<T>) {
    this.#deps = deps;
    const fence = deps.options.fence;
    if (fence) {
      this.#renewTimer = setInterval(() => void this.#renew(fence), fence.renewEveryMs);
      this.#renewTimer.unref();
    }
  }

  view(): ReadAheadView {
    return { inHand: this.#inHand, calls: this.#calls };
  }

  /** Takes a fetched batch into the hand, as room allows; what it skips was taken before (a re-fetch after a rejoin). */
  async intake(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    const live = () => isRunning() && !isStale() && !this.#deps.signal.aborted && !this.#closing;
    const id = `${topic}|${partition}`;
    // A partition still settling from an earlier assignment: its new life starts once it is settled.
    while (this.#parts.get(id)?.revoked) {
      if (!live()) return;
      await this.#waitForChange(heartbeat);
    }
    let part = this.#parts.get(id);
    if (!part) {
      const log = this.#deps.logger.child({ topic, partition });
      part = new PartitionWork<T>(topic, partition, log, (l) =>
        deadLetterer(this.#deps, topic, partition, l, this.#wait),
      );
      this.#parts.set(id, part);
    }
    await this.#hold(part, live, heartbeat);
    if (this.#parts.get(id) !== part) {
      // Settled and forgotten while this fetch waited for the fence: a hold taken since is let go.
      if (part.held) await this.#deps.options.fence?.release(topic, partition);
      return;
    }
    if (!part.held || part.revoked || !live()) return;

    const messages = batch.messages;
    let at = 0;
    if (part.next !== undefined) {
      while (at < messages.length && BigInt(messages[at]!.offset) < part.next) at++;
      if (at > 0) resolveOffset(messages[at - 1]!.offset);
    }
    const max = this.#deps.options.maxInHand;
    while (at < messages.length) {
      while (this.#inHand >= max && live()) await this.#waitForChange(heartbeat);
      if (!live() || part.revoked) return;
      const take = messages.slice(at, at + (max - this.#inHand));
      at += take.length;
      // Taken in one go (no await between the room check and the count): partitions taking at once never overfill the hand.
      const poison = take.flatMap((message) => this.#take(part, message) ?? []);
      part.next = BigInt(take.at(-1)!.offset) + 1n;
      resolveOffset(take.at(-1)!.offset);
      this.#pump();
      try {
        for (const { entry, message, code, reason } of poison) {
          await part.deadLetter(message, code, reason, 0);
          entry.state = 'answered';
        }
      } catch (error) {
        if (!(error instanceof Interrupted)) throw error;
        return;
      }
      if (poison.length > 0 && part.advance()) this.#commitSoon();
      await heartbeat();
    }
  }

  /** The group's assignment after a (re)join: partitions no longer assigned are settled and let go. */
  assigned(assignment: Readonly<Record<string, readonly number[]>>): void {
    for (const part of this.#parts.values()) {
      if (!assignment[part.topic]?.includes(part.partition))
        this.#revoke(part, 'the partition moved to another member');
    }
  }

  /** Stops taking and handing out; waits for the calls under way, commits what is answered, lets every fence go. */
  async close(timeoutMs = CLOSE_TIMEOUT_MS): Promise<void> {
    this.#closing = true;
    clearInterval(this.#renewTimer);
    clearTimeout(this.#retryTimer);
    for (const part of this.#parts.values()) this.#revoke(part, 'the consumer is stopping');
    // A partition is forgotten once settled: its calls returned, its answers committed, its fence let go.
    const deadline = Date.now() + timeoutMs;
    while (this.#parts.size > 0 && Date.now() < deadline) await this.#changed();
    if (this.#parts.size > 0)
      this.#deps.logger.warn(
        { partitions: this.#parts.size, calls: this.#calls },
        'stopped with calls still under way',
      );
    clearTimeout(this.#commitTimer);
    this.#wake();
  }

  /** Takes one message into the hand; poison is returned, to be dead-lettered in its place. */
  #take(part: PartitionWork<T>, message: KafkaMessage): Poison<T> | undefined {
    const decoded = this.#deps.decode(part.topic, part.partition, message);
    const offset = BigInt(message.offset);
    const refused = decoded.ok ? this.#deps.options.refuse?.(decoded.event) : decoded;
    if (refused) {
      // Never handed to the handler; it holds its place (and its key's) until dead-lettered.
      const entry: Entry<T> = { ...blank(offset, decoded.meta.key), state: 'calling' };
      part.entries.push(entry);
      return { entry, message, code: refused.code, reason: refused.reason };
    }
    if (!decoded.ok) return undefined;
    const urgent = this.#deps.options.urgent?.(decoded.event) ?? false;
    // Held until answered: one copy of each repeated value (time zones, profiles, header values).
    part.entries.push({
      ...blank(offset, decoded.meta.key),
      urgent,
      event: this.#interner.intern(decoded.event),
      meta: { ...decoded.meta, headers: this.#interner.intern({ ...decoded.meta.headers }) },
    });
    part.inHand++;
    this.#inHand++;
    return undefined;
  }

  /** Hands out everything that may go: per key, the first entry not answered, once its retry delay is over. */
  #pump(): void {
    if (this.#closing) return;
    const now = Date.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const part of this.#parts.values()) {
      if (part.revoked || part.inHand === 0) continue;
      const busy = new Set<string>();
      const ready: Entry<T>[] = [];
      for (const entry of part.live()) {
        if (entry.state === 'answered' || entry.state === 'dropped') continue;
        if (busy.has(entry.key)) continue;
        busy.add(entry.key);
        if (entry.state !== 'waiting') continue;
        if (entry.notBefore > now) soonest = Math.min(soonest, entry.notBefore);
        else ready.push(entry);
      }
      if (ready.length === 0) continue;
      if (this.#deps.options.urgent) ready.sort((a, b) => Number(b.urgent) - Number(a.urgent));
      for (let i = 0; i < ready.length; i += this.#deps.batchSize)
        void this.#call(part, ready.slice(i, i + this.#deps.batchSize));
    }
    if (soonest < this.#retryAt) {
      clearTimeout(this.#retryTimer);
      this.#retryAt = soonest;
      this.#retryTimer = setTimeout(
        () => {
          this.#retryAt = Number.POSITIVE_INFINITY;
          this.#pump();
        },
        Math.max(0, soonest - now),
      );
    }
  }

  async #call(part: PartitionWork<T>, chunk: Entry<T>[]): Promise<void> {
    const { topic, partition, log } = part;
    part.calls++;
    this.#calls++;
    let attempt = 0;
    for (const entry of chunk) {
      entry.state = 'calling';
      entry.attempt++;
      attempt = Math.max(attempt, entry.attempt);
    }
    try {
      const items = chunk.map((e) => ({ event: e.event as T, meta: e.meta as MessageMeta }));
      const outcomes = await callBatch(this.#deps.handler, items, {
        topic,
        partition,
        attempt,
        logger: log,
        signal: this.#deps.signal,
      });
      let retrying = 0;
      let delayMs = 0;
      let firstReason: string | undefined;
      for (const [n, entry] of chunk.entries()) {
        const o = outcomes[n]!;
        this.#deps.onOutcome?.(topic, o.status);
        if (o.status === 'retry') {
          const decision = nextDelay({ attempt: entry.attempt, policy: this.#deps.policy });
          if (decision.retry) {
            const wait = o.delayMs ?? decision.delayMs;
            entry.state = 'waiting';
            entry.notBefore = Date.now() + wait;
            retrying++;
            delayMs = Math.max(delayMs, wait);
            firstReason ??= o.reason;
            continue;
          }
          const reason = `gave up after ${entry.attempt} attempts: ${o.reason}`;
          await part.deadLetter(letterOf(entry), 'PRV_HANDLER_FAILED', reason, entry.attempt);
        } else if (o.status === 'dead-letter') {
          await part.deadLetter(letterOf(entry), o.code ?? 'PRV_HANDLER_FAILED', o.reason, entry.attempt);
        } else if (o.status === 'skipped') {
          log.debug({ offset: entry.offset.toString(), reason: o.reason }, 'skipped');
        }
        this.#answer(part, entry);
      }
      // A first or second retry is routine (a record Salesforce had locked, say): info. From the
      // third, something keeps refusing the same messages: warn.
      if (retrying > 0) {
        const fields = { attempt, retrying, delayMs, reason: firstReason };
        if (attempt >= RETRIES_WORTH_A_WARNING) log.warn(fields, 'retrying part of a batch');
        else log.info(fields, 'retrying part of a batch');
      }
    } catch (error) {
      // Interrupted while dead-lettering (the consumer stops): what is not answered is redelivered.
      if (!(error instanceof Interrupted)) log.error({ err: describe(error) }, 'a read-ahead call failed');
      for (const entry of chunk) if (entry.state === 'calling') entry.state = 'waiting';
    } finally {
      part.calls--;
      this.#calls--;
      if (part.revoked) this.#drop(part);
      if (part.advance()) this.#commitSoon();
      if (part.revoked && part.calls === 0) this.#settle(part);
      this.#pump();
      this.#wake();
    }
  }

  #answer(part: PartitionWork<T>, entry: Entry<T>): void {
    entry.state = 'answered';
    entry.event = undefined;
    entry.meta = undefined;
    part.inHand--;
    this.#inHand--;
  }

  /** Lets go of what waits in a partition's hand (it will be redelivered to whoever owns the partition next). */
  #drop(part: PartitionWork<T>): void {
    for (const entry of part.live()) {
      if (entry.state !== 'waiting') continue;
      entry.state = 'dropped';
      entry.event = undefined;
      entry.meta = undefined;
      part.inHand--;
      this.#inHand--;
    }
  }

  #revoke(part: PartitionWork<T>, why: string): void {
    if (part.revoked) return;
    part.revoked = true;
    const waiting = part.inHand;
    this.#drop(part);
    part.log.info({ why, dropped: waiting - part.inHand, calls: part.calls }, 'settling a partition');
    if (part.calls === 0) this.#settle(part);
    this.#wake();
  }

  /** Commits what was answered, lets the fence go and forgets the partition. */
  #settle(part: PartitionWork<T>): void {
    part.settling ??= (async () => {
      if (!part.lost) {
        // The next owner waits for the fence: what was answered is committed first, or it is done
        // twice. A rebalance under way refuses commits for a moment, so a few tries, then let go.
        for (let attempt = 0; attempt < SETTLE_COMMIT_TRIES && uncommitted(part); attempt++) {
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_COMMIT_MS));
          this.#commitSoon();
          await this.#committing;
        }
        const fence = this.#deps.options.fence;
        if (fence && part.held) {
          await fence
            .release(part.topic, part.partition)
            .catch((error: unknown) => part.log.warn({ err: describe(error) }, 'could not release the partition'));
        }
      }
      part.held = false;
      this.#parts.delete(`${part.topic}|${part.partition}`);
      this.#wake();
    })();
  }

  #commitSoon(): void {
    if (this.#committing) {
      this.#commitAgain = true;
      return;
    }
    this.#committing = (async () => {
      do {
        this.#commitAgain = false;
        await this.#commitNow();
      } while (this.#commitAgain);
    })().finally(() => {
      this.#committing = undefined;
    });
  }

  async #commitNow(): Promise<void> {
    const due = [...this.#parts.values()].filter((p) => !p.lost && uncommitted(p));
    if (due.length === 0) return;
    const offsets = due.map((p) => ({ part: p, offset: p.answered! }));
    try {
      await this.#deps.commit(
        offsets.map(({ part, offset }) => ({
          topic: part.topic,
          partition: part.partition,
          offset: offset.toString(),
        })),
      );
      for (const { part, offset } of offsets)
        if (part.committed === undefined || offset > part.committed) part.committed = offset;
    } catch (error) {
      // A rebalance under way refuses commits: they are made again shortly (or by the next owner's work).
      this.#deps.logger.warn({ err: describe(error) }, 'could not commit offsets; trying again');
      if (!this.#closing && !this.#commitTimer) {
        this.#commitTimer = setTimeout(() => {
          this.#commitTimer = undefined;
          this.#commitSoon();
        }, RETRY_COMMIT_MS);
        this.#commitTimer.unref();
      }
    }
  }

  async #hold(part: PartitionWork<T>, live: () => boolean, heartbeat: () => Promise<void>): Promise<void> {
    const fence = this.#deps.options.fence;
    if (!fence) {
      part.held = true;
      return;
    }
    let told = false;
    while (!part.held && !part.revoked && live()) {
      part.held = await fence.hold(part.topic, part.partition);
      if (part.held) break;
      if (!told) part.log.info({}, 'waiting for the member that had this partition to settle its work');
      told = true;
      await this.#waitForChange(heartbeat);
    }
  }

  async #renew(fence: PartitionFence): Promise<void> {
    for (const part of [...this.#parts.values()]) {
      if (!part.held || part.lost) continue;
      const kept = await fence.hold(part.topic, part.partition).catch((error: unknown) => {
        // Unreachable: keep working (the next owner cannot take the fence either), try again next time.
        part.log.warn({ err: describe(error) }, 'could not extend the hold on the partition');
        return true;
      });
      if (kept) continue;
      part.log.error({}, 'lost the hold on the partition to another member; letting its work in hand go');
      part.lost = true;
      this.#revoke(part, 'the hold on the partition lapsed');
    }
  }

  /** Waits for room, a settled partition or a tick, then heartbeats (a rebalance under way throws from there). */
  async #waitForChange(heartbeat: () => Promise<void>): Promise<void> {
    await this.#changed();
    await heartbeat();
  }

  /** Resolves on the next change (room in the hand, a partition settled) or after a tick. */
  #changed(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, WAIT_TICK_MS);
      this.#wakers.push(done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  #wake(): void {
    const wakers = this.#wakers;
    this.#wakers = [];
    for (const wake of wakers) wake();
  }

  readonly #wait = async (ms: number): Promise<void> => {
    if (!(await sleepWithHeartbeat(ms, { signal: this.#deps.signal }))) throw new Interrupted();
  };
}

function uncommitted<T>(part: PartitionWork<T>): boolean {
  return part.answered !== undefined && (part.committed === undefined || part.answered > part.committed);
}

function blank<T>(offset: bigint, key: string): Entry<T> {
  return {
    offset,
    key,
    urgent: false,
    state: 'waiting',
    event: undefined,
    meta: undefined,
    attempt: 0,
    notBefore: 0,
  };
}
