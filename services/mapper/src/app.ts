import type { Initiator } from '@provision/events';
import type { DecideOptions, MappingConfig } from '@provision/mapping';
import { counter, gauge, type Logger, type Registry } from '@provision/telemetry';
import { createBatchProcessor } from './domain/batch-processor.ts';
import type { DeactivationGuardStore, GuardPolicy } from './domain/deactivation-guard.ts';
import { mappingFingerprint } from './domain/mapping-diff.ts';
import type { MappingCheckEvent } from './domain/mapping-reevaluation.ts';
import { createResultRecorder, DEFAULT_RETRY, type RetryPolicy } from './domain/result-recorder.ts';
import type {
  CommandSink,
  DeactivationSchedule,
  DirectoryFeed,
  FailureStore,
  MappingStateStore,
  PictureStore,
  ResultFeed,
} from './ports.ts';

export interface MapperDeps {
  feed: DirectoryFeed;
  /** The writer's results, to retry what failed; without it, failures wait for the user's next change. */
  results?: ResultFeed;
  store: PictureStore;
  failures: FailureStore;
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
  now?: () => Date;
  decideOptions?: DecideOptions;
}

/** The mapper, built from its ports; nothing runs until `start()`. */
export function buildService(deps: MapperDeps) {
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
    failures: deps.failures,
    ...(deps.deadlines ? { deadlines: deps.deadlines } : {}),
    guard: deps.guard,
    guardPolicy: deps.guardPolicy,
    config: deps.mapping,
    context: { newId: deps.newId, now: deps.now ?? (() => new Date()), dryRun: deps.dryRun },
    ...(deps.decideOptions ? { decideOptions: deps.decideOptions } : {}),
    consumedBefore: (partition) => deps.feed.consumedBefore(partition),
    ...(deps.mappingState
      ? {
          mappingState: {
            store: deps.mappingState,
            fingerprint,
            loadedAt: (deps.now ?? (() => new Date()))(),
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
    now: () => (deps.now ?? (() => new Date()))().getTime(),
    retry: deps.retry ?? DEFAULT_RETRY,
    ...(deps.transientRetry ? { transientRetry: deps.transientRetry } : {}),
  });
  return {
    async start() {
      await deps.results?.start(record);
      await deps.feed.start((batch) => processor.process(batch));
    },
    async stop() {
      await deps.feed.stop();
      await deps.results?.stop();
    },
    ready: () => deps.feed.ready() && (deps.results?.ready() ?? true),
    /** The fingerprint of the mapping this replica runs. */
    fingerprint,
    /** Users whose deactivation the guard holds back. */
    staged: () => deps.guard.staged(),
    /** An admin allows the held-back deactivations. */
    releaseStaged: (by?: Initiator) => processor.releaseStaged(by),
  };
}

export type MapperService = ReturnType<typeof buildService>;
