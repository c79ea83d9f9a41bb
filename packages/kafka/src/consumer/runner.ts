import { deadLetterTopic, isDeadLetterTopic } from '@provision/events/topic-names';
import { DEFAULT_POLICY, type RetryPolicy } from '@provision/retry';
import type { Admin, Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { describe, orUnavailable } from '../internal/errors.ts';
import { whileMetadataSettles } from '../internal/settle.ts';
import type { Outcome } from '../outcome.ts';
import type { EventProducer } from '../producer.ts';
import type { BatchContext, EventSchema, HandlerContext, Logger, RawMessage } from '../types.ts';
import { type Decoded, decodeMessage, type KeyCheck, rawMessage } from './decode.ts';
import { type HandlerMode, type ProcessDeps, processBatch } from './process-batch.ts';
import { ReadAhead, type ReadAheadOptions, type ReadAheadView } from './read-ahead.ts';

interface CommonConsumerOptions {
  /** Consumer group: replicas of one service share it and split the partitions. */
  groupId: string;
  topics: readonly string[];
  /** Retry budget for transient failures (attempts include the first). Default: `@provision/retry`'s. */
  retry?: Partial<Pick<RetryPolicy, 'maxAttempts' | 'initialDelayMs' | 'maxDelayMs' | 'multiplier' | 'jitter'>>;
  /** Where a new group starts: the earliest offset (default, so nothing published before is missed). */
  fromBeginning?: boolean;
  /** Partitions processed at once by this member (default 1). Order within a partition always holds. */
  partitionsConcurrently?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  /** Most bytes one fetch brings per partition (default 256 KiB) and in all (default 2 MiB). */
  maxBytesPerPartition?: number;
  maxBytes?: number;
  /** Longest a fetch waits for new messages (default 1000 ms; also bounds how quickly stop() returns). */
  maxWaitTimeMs?: number;
  /** Create `<topic>.dlq.v<N>` topics at start when missing (default true), with the source's partition count. */
  createDeadLetterTopics?: boolean;
  /** This consumer's logger (default: the client's). */
  logger?: Logger;
  /** Called once per settled message (for metrics). */
  onOutcome?: (topic: string, status: Outcome['status'] | 'dead-lettered') => void;
}

/** How a decoding consumer turns messages into events: what it dead-letters before a handler sees it. */
interface DecodingOptions<T> {
  /** Validates each decoded value (zod-style `safeParse`); failures are dead-lettered. */
  schema: EventSchema<T>;
  /**
   * Checks each valid event against its message key; a mismatch is dead-lettered
   * (PRV_EVENT_KEY_MISMATCH). Default: an event with a string `userId` must be keyed by it.
   * `false` turns the check off.
   */
  verifyKey?: KeyCheck<T> | false;
  /** Largest key + value accepted, in bytes; larger messages are dead-lettered (PRV_EVENT_OVERSIZE). Default 1 MiB. */
  maxMessageBytes?: number;
}

/** One event per call. */
export interface SingleConsumerOptions<T> extends CommonConsumerOptions, DecodingOptions<T> {
  handler: (event: T, ctx: HandlerContext) => Promise<Outcome>;
  batchHandler?: never;
  rawHandler?: never;
}

/**
 * Up to `batchSize` events of one partition per call (the writer's 200-record Salesforce calls),
 * one outcome per event in the same order. Only the events whose outcome is `retry` are passed
 * again; if a handler needs strict order within a key across retries, it returns `retry` for the
 * later events of that key too.
 */
export interface BatchConsumerOptions<T> extends CommonConsumerOptions, DecodingOptions<T> {
  batchHandler: (events: T[], ctx: BatchContext) => Promise<Outcome[]>;
  /** Most events per call (default 200). */
  batchSize?: number;
  /**
   * Read ahead of the answers (`ReadAhead`): fetched messages are taken into a bounded hand, so a
   * fetch does not wait for the slowest call, and order is kept per key instead of per partition.
   */
  readAhead?: ReadAheadOptions<T>;
  handler?: never;
  rawHandler?: never;
}

/**
 * Raw mode: one message per call, its key and value bytes as they were written, with nothing
 * decoded, validated or refused (a reader of dead-letter topics, whose messages are often not
 * JSON or have no key). Outcomes, retries and commits are as for `handler`.
 */
export interface RawConsumerOptions extends CommonConsumerOptions {
  rawHandler: (message: RawMessage, ctx: HandlerContext) => Promise<Outcome>;
  handler?: never;
  batchHandler?: never;
  schema?: never;
}

export type ConsumerOptions<T> = SingleConsumerOptions<T> | BatchConsumerOptions<T> | RawConsumerOptions;

/** Where a consumer stands, for `/readyz`. */
export type ConsumerState = 'idle' | 'starting' | 'ready' | 'rebalancing' | 'crashed' | 'stopping' | 'stopped';

/** Partitions assigned to this member, by topic. */
export type Assignment = Readonly<Record<string, readonly number[]>>;

/** How far a group is behind the end of its topics. */
export interface ConsumerLag {
  total: number;
  partitions: { topic: string; partition: number; committed: string; end: string; lag: number }[];
}

/** A running consumer: start it, ask whether it is ready, stop it. */
export interface ConsumerRunner {
  /** Connects, joins the group and starts consuming; resolves once the group is joined. */
  start(): Promise<void>;
  /** Finishes the message in hand, commits, leaves the group and disconnects. Idempotent. */
  stop(): Promise<void>;
  /** True once the member has joined the group and until it stops or crashes. */
  isReady(): boolean;
  state(): ConsumerState;
  assignment(): Assignment;
  /** Committed offsets against the end offsets of every partition (one admin round trip per topic). */
  lag(): Promise<ConsumerLag>;
  /** What a read-ahead consumer holds (undefined for the others). */
  hand(): ReadAheadView | undefined;
}

/** What the client hands a runner. */
export interface RunnerDeps {
  consumer: Consumer;
  admin: () => Promise<Admin>;
  deadLetterProducer: () => Promise<EventProducer>;
  logger: Logger;
}

export function createRunner<T>(options: ConsumerOptions<T>, deps: RunnerDeps): ConsumerRunner {
  const { consumer } = deps;
  const logger = (options.logger ?? deps.logger).child({ groupId: options.groupId });
  const shutdown = new AbortController();
  let state: ConsumerState = 'idle';
  let assignment: Assignment = {};
  let stopping: Promise<void> | undefined;
  // start() resolves on the first GROUP_JOIN: kafkajs's run() can return before the member has
  // joined (a first join that fails is retried in the background).
  let joined: (error?: unknown) => void = () => undefined;
  const firstJoin = new Promise<void>((resolve, reject) => {
    joined = (error) => (error === undefined ? resolve() : reject(error));
  });
  firstJoin.catch(() => undefined);

  const policy: RetryPolicy = { ...DEFAULT_POLICY, ...options.retry };
  const common = {
    groupId: options.groupId,
    policy,
    logger,
    signal: shutdown.signal,
    deadLetterProducer: deps.deadLetterProducer,
    ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
  };
  const readAhead =
    options.batchHandler && options.readAhead
      ? new ReadAhead<T>({
          ...common,
          commit: (offsets) => consumer.commitOffsets(offsets),
          decode: decoder(options),
          handler: options.batchHandler,
          batchSize: options.batchSize ?? 200,
          options: options.readAhead,
        })
      : undefined;
  const eachBatch = readAhead ? (payload: EachBatchPayload) => readAhead.intake(payload) : processing(options, common);

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    assignment = event.payload.memberAssignment;
    readAhead?.assigned(assignment);
    if (state !== 'stopping' && state !== 'stopped') state = 'ready';
    logger.info({ assignment, memberId: event.payload.memberId }, 'joined the group');
    joined();
  });
  consumer.on(consumer.events.REBALANCING, () => {
    if (state === 'ready') state = 'rebalancing';
  });
  consumer.on(consumer.events.CRASH, (event) => {
    const { error, restart } = event.payload;
    logger.error({ err: describe(error), restart }, 'consumer crashed');
    if (state !== 'stopping' && state !== 'stopped') state = restart ? 'starting' : 'crashed';
    if (!restart) joined(error);
  });

  async function ensureDeadLetterTopics(): Promise<void> {
    const admin = await deps.admin();
    const { topics } = await admin.fetchTopicMetadata({ topics: [...options.topics] });
    const existing = new Set(await admin.listTopics());
    const missing = topics
      .filter((t) => !isDeadLetterTopic(t.name) && !existing.has(deadLetterTopic(t.name)))
      .map((t) => ({ topic: deadLetterTopic(t.name), numPartitions: t.partitions.length, replicationFactor: -1 }));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  }

  return {
    async start() {
      if (state !== 'idle') throw new Error(`consumer ${options.groupId} was already started`);
      state = 'starting';
      await orUnavailable(`starting consumer group ${options.groupId}`, async () => {
        if (options.createDeadLetterTopics ?? true)
          await whileMetadataSettles('dead-letter topics', ensureDeadLetterTopics, logger);
        await consumer.connect();
        await whileMetadataSettles(
          'subscribing',
          () => consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true }),
          logger,
        );
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
          eachBatch,
        });
        const joinTimeoutMs = (options.rebalanceTimeoutMs ?? 60_000) + (options.sessionTimeoutMs ?? 30_000);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not joined within ${joinTimeoutMs} ms`)), joinTimeoutMs);
        });
        await Promise.race([firstJoin, timeout]).finally(() => clearTimeout(timer));
      }).catch(async (error: unknown) => {
        state = 'crashed';
        await consumer.disconnect().catch(() => undefined);
        throw error;
      });
    },
    stop() {
      stopping ??= (async () => {
        state = 'stopping';
        shutdown.abort();
        try {
          // Settled while the member is still in the group: answers committed, fences let go.
          await readAhead?.close();
          await consumer.stop();
        } finally {
          await consumer.disconnect();
          state = 'stopped';
          logger.info({}, 'consumer stopped');
        }
      })();
      return stopping;
    },
    isReady: () => state === 'ready' || state === 'rebalancing',
    state: () => state,
    assignment: () => assignment,
    hand: () => readAhead?.view(),
    async lag() {
      const admin = await deps.admin();
      const groupOffsets = await orUnavailable('fetching group offsets', () =>
        admin.fetchOffsets({ groupId: options.groupId, topics: [...options.topics] }),
      );
      const partitions: ConsumerLag['partitions'] = [];
      for (const topic of options.topics) {
        const ends = await orUnavailable(`fetching offsets of ${topic}`, () => admin.fetchTopicOffsets(topic));
        const committedOf = new Map(
          (groupOffsets.find((g) => g.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]),
        );
        for (const end of ends) {
          const committed = committedOf.get(end.partition) ?? '-1';
          const from = BigInt(committed) < 0n ? BigInt(end.low) : BigInt(committed);
          const lag = Number(BigInt(end.high) > from ? BigInt(end.high) - from : 0n);
          partitions.push({ topic, partition: end.partition, committed, end: end.high, lag });
        }
      }
      return { total: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
    },
  };
}

type CommonDeps = Omit<ProcessDeps<unknown>, 'decode' | 'mode'>;

/** How each fetched batch is processed: decoded and validated for `handler` and `batchHandler`, as it is for `rawHandler`. */
function processing<T>(options: ConsumerOptions<T>, common: CommonDeps): (payload: EachBatchPayload) => Promise<void> {
  if (options.rawHandler) {
    const mode: HandlerMode<RawMessage> = { kind: 'single', handler: options.rawHandler };
    return (payload) => processBatch(payload, { ...common, decode: rawMessage, mode });
  }
  const decode = decoder(options);
  const mode: HandlerMode<T> = options.batchHandler
    ? { kind: 'batch', batchSize: options.batchSize ?? 200, handler: options.batchHandler }
    : { kind: 'single', handler: options.handler };
  return (payload) => processBatch(payload, { ...common, decode, mode });
}

/** How a decoding consumer decodes and validates each message. */
function decoder<T>(
  options: DecodingOptions<T>,
): (topic: string, partition: number, message: KafkaMessage) => Decoded<T> {
  const checks = {
    ...(options.verifyKey !== undefined ? { verifyKey: options.verifyKey } : {}),
    ...(options.maxMessageBytes !== undefined ? { maxBytes: options.maxMessageBytes } : {}),
  };
  return (topic, partition, message) => decodeMessage(topic, partition, message, options.schema, checks);
}
