import { registerErrorHandling, secureHeaders, type TokenVerifier } from '@provision/auth';
import type { ProvisioningCommandV1, ProvisioningResultV1 } from '@provision/events';
import type { MappingConfig } from '@provision/mapping';
import type { Logger } from '@provision/ports';
import { createMetrics, inSpan, type Registry, registerOpsRoutes, type Service } from '@provision/telemetry';
import Fastify from 'fastify';
import { Accumulator } from './domain/accumulator.ts';
import type { BatchWriterDeps } from './domain/batch-writer.ts';
import { isUrgent } from './domain/command-parts.ts';
import type { ConcurrencyLimiter } from './domain/concurrency.ts';
import { Deferrals } from './domain/deferrals.ts';
import { LicenseCounts } from './domain/feature-licences.ts';
import { NO_OBSERVER, type WriterObserver } from './domain/observer.ts';
import type {
  AnsweredCommands,
  Clock,
  CommandAnswer,
  CommandSource,
  ConsumedCommand,
  JobControlReader,
  LinkStore,
  QuarantineState,
  QuarantineStore,
  RateBudget,
  ResultSink,
  SalesforceDirectory,
} from './domain/ports.ts';
import { type GuardedAnswer, QuarantineGuard, type QuarantineSettings } from './domain/quarantine.ts';
import { registerSalesforceUserRoutes } from './http/salesforce-user-routes.ts';

export interface WriterSettings {
  /** `WRITER_DRY_RUN`: preview every command. */
  readonly dryRun: boolean;
  /** Most commands per flush (one query per `valuesPerQuery` of them, one write call per 200). */
  readonly maxBatch: number;
  /** How long the first command of a flush waits for others. */
  readonly lingerMs: number;
  /** Longest a batch waits to fill while commands keep arriving (default `lingerMs`). */
  readonly maxLingerMs?: number;
  /** Flushes at once (default 1): a second one goes while the first waits on Salesforce. */
  readonly flushesAtOnce?: number;
  readonly valuesPerQuery: number;
  /** Times a command whose record was refused as locked rides with a later flush (0 or unset: never). */
  readonly deferLocked?: number;
  readonly quarantine: QuarantineSettings;
  /** The mapping's usernameCollision suffix (unset: a username another org holds fails the create). */
  readonly usernameSuffix?: string | undefined;
}

export interface WriterDeps {
  readonly source: CommandSource;
  readonly sink: ResultSink;
  readonly directory: SalesforceDirectory;
  readonly links: LinkStore;
  /**
   * The commands the fleet answered (Redis): one redelivered after its result is answered without
   * being carried out again. Unset: only this process's recent results are known.
   */
  readonly answered?: AnsweredCommands;
  readonly budget: RateBudget;
  /** Calls at once, shared by the fleet and adapting to Salesforce (unset: one flush's calls all at once). */
  readonly concurrency?: ConcurrencyLimiter;
  readonly quarantineStore: QuarantineStore;
  /** The admins' pause and quarantine clears (Redis, every replica reads them before each batch); unset: none. */
  readonly control?: JobControlReader;
  readonly clock: Clock;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly observer?: WriterObserver;
  readonly settings: WriterSettings;
  /** Served at `/metrics` (a registry of its own when unset). */
  readonly metrics?: Registry;
  /**
   * The admin console's read of one Salesforce user (`GET /api/salesforce-users/:id`, Provision.Read),
   * found as the writer finds it; unset (no AUTH_* variables): the writer serves only the ops routes.
   */
  readonly api?: { readonly verifier: TokenVerifier; readonly mapping: MappingConfig };
}

export interface WriterService extends Service {
  ready(): boolean;
  /** Answers a batch of consumed commands (what the source calls; exposed for tests). */
  handle(deliveries: readonly ConsumedCommand[]): Promise<CommandAnswer[]>;
  quarantine(): QuarantineState | null;
  /** Whether this replica holds its batches because provisioning is paused (as of its last batch). */
  paused(): boolean;
}

// Results kept per process so that a command retried after a failed publish, or redelivered to this
// process, gets the same result again instead of a second write (which would find nothing to do and
// lose the diff). Those are the results of the last flushes, whose offsets may not be committed yet:
// the runner commits after each handled batch, so two flushes' worth covers them. More only held
// memory (20,000 results were ~40 MB of the writer's heap, most of it in the initial sync).
const RECENT_FLUSHES = 2;

/** Whether a command goes ahead of a sync's backlog: it came through the live topic, or an admin asked for it. */
const inLane = (d: ConsumedCommand) => d.live === true || isUrgent(d.command);

/** A command another writer already answered (`WriterDeps.answered`): done, nothing to publish. */
const ANSWERED_ELSEWHERE = { answeredElsewhere: true } as const;
type FlushAnswer = GuardedAnswer | typeof ANSWERED_ELSEWHERE;

/** How long the feature licence counts one batch read serve the next ones (counted down meanwhile). */
const LICENSE_COUNTS_MAX_AGE_MS = 60_000;

/**
 * The writer: commands in, Salesforce writes, one result per command out. Batches from several
 * partitions are merged (up to `maxBatch`, waiting at most `lingerMs`), written by the quarantine
 * guard, and each result is published before its command is answered `done`, so the offset is
 * committed only after the result is on Kafka (at least once: a crash in between republishes it).
 */
export function buildService(deps: WriterDeps): WriterService {
  const observer = deps.observer ?? NO_OBSERVER;
  const batchDeps: BatchWriterDeps = {
    directory: deps.directory,
    links: deps.links,
    budget: deps.budget,
    clock: deps.clock,
    dryRun: deps.settings.dryRun,
    valuesPerQuery: deps.settings.valuesPerQuery,
    usernameSuffix: deps.settings.usernameSuffix,
    observer,
    ...(deps.concurrency ? { concurrency: deps.concurrency } : {}),
    // Read once a minute at most during a sync, and always before a write is told none is left.
    licenseCounts: new LicenseCounts({ maxAgeMs: LICENSE_COUNTS_MAX_AGE_MS, now: () => deps.clock.now() }),
  };
  const guard = new QuarantineGuard({
    ...batchDeps,
    store: deps.quarantineStore,
    logger: deps.logger,
    settings: deps.settings.quarantine,
    ...(deps.control ? { control: deps.control } : {}),
    ...(deps.settings.deferLocked
      ? {
          deferrals: new Deferrals({
            maxTimes: deps.settings.deferLocked,
            capacity: 4 * deps.settings.maxBatch * (deps.settings.flushesAtOnce ?? 1),
          }),
        }
      : {}),
  });
  // The trace each command in hand arrived with. A flush merges commands of many traces (several
  // partitions, many changes): its span, and the Salesforce calls within, go in the first
  // command's trace, linked to the others'.
  const traces = new Map<string, string | undefined>();
  const accumulator = new Accumulator<ProvisioningCommandV1, FlushAnswer>({
    maxBatch: deps.settings.maxBatch,
    lingerMs: deps.settings.lingerMs,
    ...(deps.settings.maxLingerMs === undefined ? {} : { maxLingerMs: deps.settings.maxLingerMs }),
    ...(deps.settings.flushesAtOnce === undefined ? {} : { maxFlushes: deps.settings.flushesAtOnce }),
    flush: async (commands, { urgent }) => {
      // Answered by a writer that did not commit it (it crashed, or lost the partition): its result
      // is out already, and carrying it out again could undo a later command of the user's. Asked
      // once per flush, so the partitions' deliveries still meet in one batch.
      const elsewhere = deps.answered ? await deps.answered.which(commands.map((c) => c.commandId)) : new Set<string>();
      const todo = elsewhere.size === 0 ? commands : commands.filter((c) => !elsewhere.has(c.commandId));
      const [first, ...others] = todo.map((c) => traces.get(c.commandId));
      const attributes = { 'provision.writer.commands': todo.length, 'provision.writer.urgent': urgent };
      const answers =
        todo.length === 0
          ? []
          : await inSpan('writer flush', { parent: first, links: others, newTrace: true, attributes }, () =>
              guard.run(todo, { urgent }),
            );
      let next = 0;
      return commands.map((c): FlushAnswer => (elsewhere.has(c.commandId) ? ANSWERED_ELSEWHERE : answers[next++]!));
    },
  });
  const recent = new Map<string, ProvisioningResultV1>();
  const remember = (result: ProvisioningResultV1) => {
    recent.delete(result.commandId);
    recent.set(result.commandId, result);
    if (recent.size > RECENT_FLUSHES * deps.settings.maxBatch) recent.delete(recent.keys().next().value as string);
  };

  async function handle(deliveries: readonly ConsumedCommand[]): Promise<CommandAnswer[]> {
    const fresh = deliveries.filter((d) => !recent.has(d.command.commandId));
    for (const d of fresh) traces.set(d.command.commandId, d.traceparent);
    // A change Entra notified (the live topic) and an admin's on-demand command go in the
    // accumulator's lane, ahead of a sync's backlog.
    const urgent = fresh.filter(inLane);
    const rest = urgent.length === 0 ? fresh : fresh.filter((d) => !inLane(d));
    const submit = (part: readonly ConsumedCommand[], options: { urgent: boolean }) =>
      accumulator.submit(
        part.map((d) => d.command),
        options,
      );
    const [urgentAnswers, restAnswers] = await Promise.all([
      submit(urgent, { urgent: true }),
      submit(rest, { urgent: false }),
    ]).finally(() => {
      for (const d of fresh) traces.delete(d.command.commandId);
    });
    const byCommand = new Map<ConsumedCommand, FlushAnswer | undefined>([
      ...urgent.map((d, i) => [d, urgentAnswers[i]] as const),
      ...rest.map((d, i) => [d, restAnswers[i]] as const),
    ]);
    const toPublish: { result: ProvisioningResultV1; traceparent?: string | undefined }[] = [];
    const out: CommandAnswer[] = deliveries.map((d) => {
      const answer = byCommand.get(d);
      // Its result is on Kafka already, published by the writer that carried it out.
      if (answer && 'answeredElsewhere' in answer) return { status: 'done' };
      const result = answer ? answer.result : recent.get(d.command.commandId);
      if (!result) {
        const wait = answer?.retryInMs ?? 0;
        return {
          status: 'retry',
          delayMs: Math.max(1, wait),
          reason: answer?.reason ?? 'Salesforce refused the job; retrying after a backoff',
        };
      }
      toPublish.push({ result, traceparent: d.traceparent });
      return { status: 'done' };
    });
    // Remembered before publishing: if publishing fails, the retry republishes these very results
    // (with their diff) instead of writing again and reporting "nothing to do".
    for (const { result } of toPublish) remember(result);
    await deps.sink.publish(toPublish);
    await deps.answered?.remember(toPublish.map(({ result }) => result.commandId));
    return out;
  }

  const ready = () => deps.source.ready();
  const http = Fastify({ logger: false });
  secureHeaders(http);
  registerErrorHandling(http, { service: 'writer', log: deps.logger });
  registerOpsRoutes(http, { ready, metrics: deps.metrics ?? createMetrics('writer') });
  if (deps.api) {
    registerSalesforceUserRoutes(http, {
      directory: deps.directory,
      links: deps.links,
      budget: deps.budget,
      mapping: deps.api.mapping,
      verifier: deps.api.verifier,
      log: deps.logger,
      onFailure: (e) => deps.logger.warn(e, 'Salesforce read for the console failed'),
    });
  }

  return {
    http,
    async start() {
      const state = await deps.quarantineStore.get().catch(() => null);
      if (state)
        deps.logger.warn(
          { quarantine: state },
          'a writer reported a quarantine; probing Salesforce with the next batch',
        );
      await deps.source.start(handle);
      deps.logger.info({ dryRun: deps.settings.dryRun, maxBatch: deps.settings.maxBatch }, 'writer consuming commands');
    },
    stop: () => deps.source.stop(),
    ready,
    handle,
    quarantine: () => guard.quarantine(),
    paused: () => guard.paused(),
  };
}
