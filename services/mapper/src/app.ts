import { registerErrorHandling, secureHeaders, type TokenVerifier } from '@provision/auth';
import type { Initiator } from '@provision/events';
import type { DecideOptions, MappingConfig } from '@provision/mapping';
import { type Clock, type Logger, systemClock } from '@provision/ports';
import { counter, gauge, type Registry, registerOpsRoutes, type Service } from '@provision/telemetry';
import Fastify from 'fastify';
import { createBatchProcessor } from './domain/batch-processor.ts';
import type { GuardPolicy } from './domain/deactivation-guard.ts';
import { mappingFingerprint } from './domain/mapping-diff.ts';
import type { MappingCheckEvent } from './domain/mapping-reevaluation.ts';
import type {
  AnswerStore,
  CommandSink,
  DeactivationGuardStore,
  DeactivationSchedule,
  DirectoryFeed,
  FailureStore,
  MappingStateStore,
  PictureStore,
  ResultFeed,
} from './domain/ports.ts';
import { createResultRecorder, DEFAULT_RETRY, type RetryPolicy } from './domain/result-recorder.ts';
import { registerApiRoutes } from './http/api-routes.ts';
import { registerConsoleRoutes } from './http/console-routes.ts';

export interface MapperDeps {
  feed: DirectoryFeed;
  /** The writer's results, to retry what failed; without it, failures wait for the user's next change. */
  results?: ResultFeed;
  store: PictureStore;
  failures: FailureStore;
  /**
   * The commands the writer answered (read from its results): with it, a change Entra notified
   * takes the live lane past a sync's backlog; without it, or without `results`, all is bulk.
   */
  answers?: AnswerStore;
  /** Deadlines of frozen users (`deprovisioning: freezeThenDeactivate`), swept at each round's end. */
  deadlines?: DeactivationSchedule;
  retry?: RetryPolicy;
  /** Retries of transient failures (server errors, locks, dropped connections): sooner than refusals. */
  transientRetry?: RetryPolicy;
  sink: CommandSink;
  guard: DeactivationGuardStore;
  guardPolicy: GuardPolicy;
  mapping: MappingConfig;
  /**
   * Which mapping each partition's users were decided with: a different one at start re-evaluates
   * every user (docs/operations.md, "Changing the mapping"). Unset: a change reaches each user with
   * their next directory change.
   */
  mappingState?: MappingStateStore;
  dryRun: boolean;
  logger: Logger;
  metrics: Registry;
  newId: () => string;
  /** The clock (tests run on virtual time): retries, freeze times and deadlines. */
  clock?: Clock;
  decideOptions?: DecideOptions;
  /** Checks the API's bearer tokens (Provision.Read, Provision.Operate). */
  verifier: TokenVerifier;
  /** Partitions of `entra.directory.v1`: where the console's mapping preview finds sample users. */
  partitions: number;
}

/**
 * The mapper, built from its ports; nothing runs until `start()`. Its HTTP server has the ops
 * routes, the deactivation guard's API and the admin console's reads (a user's picture and
 * decision, the effective mapping, a preview of another mapping).
 */
export function buildService(deps: MapperDeps) {
  const clock = deps.clock ?? systemClock;
  const commands = counter(deps.metrics, 'provision_mapper_commands_total', 'Commands emitted', ['action']);
  const syncs = counter(deps.metrics, 'provision_mapper_full_sync_partitions_total', 'Full-sync partitions completed');
  gauge(
    deps.metrics,
    'provision_mapper_guard_staged',
    'Deactivations the guard holds back, waiting for an admin (shared by every mapper replica)',
    [],
    async () => (await deps.guard.staged()).length,
  );
  const memoryLost = counter(
    deps.metrics,
    'provision_mapper_memory_lost_total',
    "Partitions whose pictures were found lost (Redis emptied) since the mapper's start",
  );
  const fingerprint = mappingFingerprint(deps.mapping);
  const reevaluations = counter(
    deps.metrics,
    'provision_mapper_mapping_reevaluated_users_total',
    'Users decided again because the mapping changed',
  );
  const onMappingEvent = (e: MappingCheckEvent) => {
    if (e.kind === 'first') {
      deps.logger.info(
        { partition: e.partition, fingerprint: e.fingerprint },
        `mapping ${e.fingerprint} recorded as applied in partition ${e.partition} (no earlier record: nobody re-evaluated)`,
      );
    } else if (e.kind === 'older') {
      deps.logger.warn(
        { partition: e.partition, fingerprint: e.fingerprint, applied: e.applied },
        `partition ${e.partition} was re-evaluated with mapping ${e.applied.fingerprint} by a replica started after this one: this replica's mapping (${e.fingerprint}) is taken as the older one and not applied; finish the rollout`,
      );
    } else if (e.kind === 'deferred') {
      deps.logger.info(
        { partition: e.partition, fingerprint: e.fingerprint },
        `mapping change in partition ${e.partition} waits for the full sync in progress to end`,
      );
    } else {
      reevaluations.inc(e.result.reevaluated);
      deps.logger.info(
        {
          partition: e.partition,
          fingerprint: e.change.fingerprint,
          previous: e.change.previous,
          changeId: e.change.changeId,
          changes: e.change.changes,
          reevaluated: e.result.reevaluated,
          commands: e.result.commands,
          dryRun: deps.dryRun,
        },
        `mapping changed (${e.change.previous} → ${e.change.fingerprint}): ${e.change.summary}; partition ${e.partition}: ${e.result.reevaluated} users re-evaluated, ${Object.values(e.result.commands).reduce((a, b) => a + b, 0)} commands (changeId ${e.change.changeId})`,
      );
    }
  };
  const processor = createBatchProcessor({
    store: deps.store,
    sink: deps.sink,
    ...(deps.answers && deps.results ? { answers: deps.answers } : {}),
    failures: deps.failures,
    ...(deps.deadlines ? { deadlines: deps.deadlines } : {}),
    guard: deps.guard,
    guardPolicy: deps.guardPolicy,
    config: deps.mapping,
    context: { newId: deps.newId, now: () => new Date(clock.now()), dryRun: deps.dryRun },
    ...(deps.decideOptions ? { decideOptions: deps.decideOptions } : {}),
    consumedBefore: (partition) => deps.feed.consumedBefore(partition),
    ...(deps.mappingState
      ? {
          mappingState: {
            store: deps.mappingState,
            fingerprint,
            loadedAt: new Date(clock.now()),
            onEvent: onMappingEvent,
          },
        }
      : {}),
    onMemoryLost: (partition) => {
      memoryLost.inc();
      deps.logger.warn(
        { partition, link: deps.mapping.link?.field ?? null },
        deps.mapping.link
          ? `the pictures of partition ${partition} were lost (Redis emptied): until the next full sync completes, out-of-scope users are deactivated only if their link (${deps.mapping.link.field}) finds them; users deleted in Entra meanwhile are settled by \`provision reconcile --apply\``
          : `the pictures of partition ${partition} were lost (Redis emptied) and the mapping declares no link: users who left scope meanwhile stay active in Salesforce (docs/operations.md, "Faults and convergence")`,
      );
    },
    onCommand: (c) => {
      commands.inc({ action: c.action });
      if (c.reasons.some((r) => r.code === 'deactivation-guard')) {
        deps.logger.warn({ userId: c.userId, changeId: c.changeId }, 'deactivation held back by the guard');
      }
    },
    onFullSync: (e) => {
      if (e.phase === 'completed') syncs.inc();
      deps.logger.info(e, `full sync ${e.phase} in partition ${e.partition}`);
    },
  });
  const record = createResultRecorder({
    failures: deps.failures,
    ...(deps.answers ? { answers: deps.answers } : {}),
    now: () => clock.now(),
    retry: deps.retry ?? DEFAULT_RETRY,
    ...(deps.transientRetry ? { transientRetry: deps.transientRetry } : {}),
  });
  const ready = () => deps.feed.ready() && (deps.results?.ready() ?? true);
  const staged = () => deps.guard.staged();
  const releaseStaged = (by?: Initiator) => processor.releaseStaged(by);
  const http = Fastify({ logger: false, bodyLimit: 4 * 1024 });
  secureHeaders(http);
  registerErrorHandling(http, { service: 'mapper', log: deps.logger });
  registerOpsRoutes(http, { ready, metrics: deps.metrics });
  registerApiRoutes(http, { guard: { staged, releaseStaged }, verifier: deps.verifier, log: deps.logger });
  registerConsoleRoutes(http, {
    pictures: deps.store,
    partitions: deps.partitions,
    mapping: deps.mapping,
    fingerprint,
    ...(deps.mappingState ? { mappingState: deps.mappingState } : {}),
    verifier: deps.verifier,
    dryRun: deps.dryRun,
    log: deps.logger,
  });
  const service = {
    http,
    async start() {
      await deps.results?.start(record);
      await deps.feed.start((batch) => processor.process(batch));
    },
    async stop() {
      await deps.feed.stop();
      await deps.results?.stop();
    },
    ready,
    /** The fingerprint of the mapping this replica runs. */
    fingerprint,
    /** Users whose deactivation the guard holds back. */
    staged,
    /** An admin allows the held-back deactivations. */
    releaseStaged,
  };
  return service satisfies Service;
}

export type MapperService = ReturnType<typeof buildService>;
