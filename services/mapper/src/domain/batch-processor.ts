import type { DirectoryEventV1, Initiator, ProvisioningCommandV1, SyncMarker } from '@provision/events';
import type { DecideOptions, MappingConfig } from '@provision/mapping';
import { admitDeactivations, type GuardPolicy } from './deactivation-guard.ts';
import { type CommandContext, deactivationDeadline, decideUser } from './decide-user.ts';
import { createMappingReevaluation, type MappingCheckEvent } from './mapping-reevaluation.ts';
import { applyFact, emptyPicture, revertFailed, type UserPicture } from './picture.ts';
import type {
  AnswerStore,
  CommandSink,
  DeactivationGuardStore,
  DeactivationSchedule,
  DirectoryBatch,
  FailureStore,
  Lane,
  MappingStateStore,
  PictureStore,
} from './ports.ts';

export interface ProcessorDeps {
  store: PictureStore;
  sink: CommandSink;
  /** The commands the writer answered: unset, every command takes the bulk lane. */
  answers?: AnswerStore;
  failures: FailureStore;
  /**
   * Deadlines of frozen users under `deprovisioning: freezeThenDeactivate`, swept at each round's
   * end; unset, a frozen user is deactivated only with its next decision.
   */
  deadlines?: DeactivationSchedule;
  /** The clock of retries and deadlines; defaults to `context.now`. */
  now?: () => number;
  guard: DeactivationGuardStore;
  guardPolicy: GuardPolicy;
  config: MappingConfig;
  context: Omit<CommandContext, 'origin'>;
  decideOptions?: DecideOptions;
  /** Whether the mapper consumed a partition before (a first start is not a lost memory). */
  consumedBefore?: (partition: number) => Promise<boolean>;
  /** Told when a partition's pictures are found lost (Redis emptied). */
  onMemoryLost?: (partition: number) => void;
  /** Told about each command emitted (metrics, logs). */
  onCommand?: (command: ProvisioningCommandV1) => void;
  /**
   * Re-evaluates every user of a partition when the mapping differs from the one they were last
   * decided with (see `createMappingReevaluation`); unset, a mapping change reaches each user with
   * their next directory change only.
   */
  mappingState?: {
    readonly store: MappingStateStore;
    readonly fingerprint: string;
    readonly loadedAt: Date;
    readonly onEvent?: (event: MappingCheckEvent) => void;
  };
  onFullSync?: (event: {
    partition: number;
    syncId: string;
    phase: 'started' | 'completed' | 'abandoned';
    vanished: number;
  }) => void;
}

const CHUNK = 500;

/**
 * Applies a batch of directory facts to the users' pictures and decides for each user they touch,
 * once per batch. During a full sync, decisions wait for the partition's `sync.completed`: by then
 * the user's attributes, groups and assignments have all arrived, so each user gets one command
 * (create with its profile) instead of a skip followed by a create — and the users the sync did not
 * see are known to have vanished.
 */
export function createBatchProcessor(deps: ProcessorDeps) {
  /** Partitions whose pictures were lost (Redis emptied) and not yet rebuilt by a full sync. */
  const lost = new Set<number>();
  const nowMs = deps.now ?? (() => deps.context.now().getTime());

  /**
   * Whether the partition's pictures can be trusted: yes on a first start (the mapper never
   * consumed it) and after a full sync completed; no when the mapper consumed the partition before
   * but Redis no longer holds the mark, until the next full sync restates every user.
   */
  async function checkMemory(partition: number): Promise<void> {
    if (await deps.store.memoryIntact(partition)) {
      lost.delete(partition);
      return;
    }
    if (!lost.has(partition) && (await deps.consumedBefore?.(partition)) === true) {
      lost.add(partition);
      deps.onMemoryLost?.(partition);
    }
    if (!lost.has(partition)) await deps.store.setMemoryIntact(partition);
  }

  async function decideAndEmit(
    pictures: UserPicture[],
    options: {
      partition?: number;
      traceOf?: ((eventId: string) => string | undefined) | undefined;
      guardPolicy?: GuardPolicy;
      annotate?: ((command: ProvisioningCommandV1) => ProvisioningCommandV1) | undefined;
      /** Users an admin asked about (on demand) whom the mapper never knew: a link check disables them. */
      asked?: ReadonlySet<string>;
      /** Changes as they happen (Entra notified them, an admin asked): they may take the live lane. */
      live?: boolean;
    } = {},
  ): Promise<UserPicture[]> {
    const { partition, traceOf, annotate } = options;
    const guardPolicy = options.guardPolicy ?? deps.guardPolicy;
    const asked = options.asked ?? new Set<string>();
    const ctx = { ...deps.context, origin: 'sync' as const };
    // What Salesforce refused is asked for again: the picture forgets it was commanded.
    const failures = await deps.failures.load(pictures.map((p) => p.id));
    const current = pictures.map((p) => {
      const reverted = revertFailed(p, failures.get(p.id));
      return partition === undefined ? reverted : { ...reverted, partition };
    });
    const memoryLost = partition !== undefined && lost.has(partition);
    const decideOptions = { ...deps.decideOptions, memoryLost };
    const decided = current.map((p) =>
      decideUser(p, deps.config, ctx, asked.has(p.id) ? { ...decideOptions, unknownUserAsked: true } : decideOptions),
    );
    // A link check after a lost memory is not counted by the guard: most find no one, and the
    // guard would hold back every out-of-scope user of the tenant.
    const disabling = decided
      .filter((d) => d.decision.action === 'disable' && !d.decision.linkedOnly)
      .map((d) => d.picture.id);
    const { staged } = await admitDeactivations(disabling, guardPolicy, deps.guard);
    const held = new Set(staged);
    const commands: ProvisioningCommandV1[] = [];
    const next = decided.map((d, i) => {
      if (!held.has(d.picture.id)) {
        if (d.command) commands.push(d.command);
        return d.picture;
      }
      // Staged: Salesforce is left as is and the picture unchanged, so the user is decided again on release.
      const original = current[i]!;
      commands.push({
        ...d.command!,
        action: 'skip',
        fields: {},
        reasons: [
          ...d.command!.reasons,
          {
            code: 'deactivation-guard',
            severity: 'warning',
            message: `Deactivation held back: more than ${deps.guardPolicy.threshold} deactivations within ${Math.round(deps.guardPolicy.windowMs / 60000)} min (StagedDelete). An admin must allow it.`,
          },
        ],
      });
      return original;
    });
    if (annotate) commands.splice(0, commands.length, ...commands.map(annotate));
    const lanes = await chooseLanes(current, commands, options.live === true && !memoryLost);
    if (commands.length > 0) await deps.sink.publish(commands, traceOf, (c) => lanes.get(c.commandId) ?? 'bulk');
    const lastCommand = new Map(
      commands.map((c) => [c.userId, { id: c.commandId, lane: lanes.get(c.commandId) ?? 'bulk' }]),
    );
    for (const c of commands) deps.onCommand?.(c);
    await scheduleDeactivations(
      decided.filter((d) => !held.has(d.picture.id)).map((d) => d.picture.id),
      decided,
      partition,
    );
    if (partition !== undefined && failures.size > 0) await deps.failures.unschedule(partition, [...failures.keys()]);
    return next.map((p) => {
      const last = lastCommand.get(p.id);
      return last ? { ...p, lastCommand: last } : p;
    });
  }

  /**
   * The lane of each command (by command id). A user with a command still unanswered follows it in
   * its lane, so the writer carries out the user's commands in order; otherwise a live change takes
   * the live lane, past a sync's backlog, and the rest the bulk lane. Live only when the mapper
   * knows: a user commanded before the picture recorded lanes (an older picture) stays bulk.
   */
  async function chooseLanes(
    pictures: readonly UserPicture[],
    commands: readonly ProvisioningCommandV1[],
    live: boolean,
  ): Promise<Map<string, Lane>> {
    const lanes = new Map<string, Lane>();
    if (commands.length === 0) return lanes;
    const byId = new Map(pictures.map((p) => [p.id, p]));
    // Answers matter when the change may go live, or when a user's last command went live (a bulk
    // change may have to follow it there); a full sync's commands need no read.
    const ask = commands.some((c) => {
      const last = byId.get(c.userId)?.lastCommand;
      return !!last && (live || last.lane === 'live');
    });
    const answered =
      deps.answers && ask ? await deps.answers.load(commands.map((c) => c.userId)) : new Map<string, string>();
    for (const c of commands) {
      const picture = byId.get(c.userId);
      const last = picture?.lastCommand;
      let lane: Lane;
      if (last && answered.get(c.userId) !== last.id) lane = last.lane;
      else if (!live || !deps.answers) lane = 'bulk';
      else if (!last && picture && (picture.pending || picture.commanded || picture.mayExist)) lane = 'bulk';
      else lane = 'live';
      lanes.set(c.commandId, lane);
    }
    return lanes;
  }

  /** Records when each frozen user's deactivation falls due, in the partition its facts arrive in. */
  async function scheduleDeactivations(
    admitted: readonly string[],
    decided: readonly ReturnType<typeof decideUser>[],
    partition: number | undefined,
  ): Promise<void> {
    if (!deps.deadlines || deps.context.dryRun) return;
    const ids = new Set(admitted);
    const byPartition = new Map<number, { userId: string; dueMs: number }[]>();
    for (const d of decided) {
      const due = ids.has(d.picture.id) ? deactivationDeadline(d, deps.config) : null;
      const p = partition ?? d.picture.partition;
      if (due === null || p === undefined) continue;
      byPartition.set(p, [...(byPartition.get(p) ?? []), { userId: d.picture.id, dueMs: due.getTime() }]);
    }
    for (const [p, entries] of byPartition) await deps.deadlines.schedule(p, entries);
  }

  /**
   * Decides again for the frozen users of a partition whose deactivation is due (those still out
   * of scope are deactivated, through the guard like any other). Entries go once decided; a crash
   * before leaves them for the next sweep, and a user decided twice gets one deactivation that
   * the writer finds already done.
   */
  async function sweepDeactivations(partition: number): Promise<number> {
    if (!deps.deadlines) return 0;
    const now = nowMs();
    const due = await deps.deadlines.due(partition, now, CHUNK);
    if (due.length === 0) return 0;
    const pictures = [...(await deps.store.load(due)).values()];
    await deps.store.save(await decideAndEmit(pictures, { partition }), partition);
    await deps.deadlines.removeDue(partition, due, now);
    return due.length;
  }

  /**
   * Decides for every user of the partition at the end of a full sync; those the sync did not see
   * vanished. With `abandoned`, the sync never ended (its round was given up): nobody is known to
   * have vanished, but the decisions it held back are made.
   */
  async function completeFullSync(partition: number, marker: SyncMarker, abandoned = false): Promise<number> {
    let vanished = 0;
    for await (const ids of deps.store.usersOf(partition, CHUNK)) {
      const loaded = await deps.store.load(ids);
      const pictures = [...loaded.values()].map((p) => {
        if (!abandoned && p.known && p.removal === null && p.lastSeenSyncId !== marker.syncId) {
          // Not seen by a full sync: deleted (or moved out of reach) while we were not looking.
          vanished++;
          return { ...p, removal: 'hard' as const, changeId: marker.eventId };
        }
        return p;
      });
      await deps.store.save(await decideAndEmit(pictures, { partition }), partition);
    }
    if (!abandoned) {
      // Every user of the partition was restated and decided: the pictures are whole again.
      await deps.store.setMemoryIntact(partition);
      lost.delete(partition);
    }
    return vanished;
  }

  async function applySegment(
    partition: number,
    facts: readonly UserFact[],
    fullSyncId: string | null,
    traceOf?: (eventId: string) => string | undefined,
  ): Promise<void> {
    if (facts.length === 0) return;
    const pictures = await deps.store.load([...new Set(facts.map((f) => f.userId))]);
    // Provision on demand of a user Graph no longer has, and the mapper never knew (a memory lost
    // before the removal was seen): only its link can tell whether Provision provisioned it.
    const asked = new Set<string>();
    for (const fact of facts) {
      const before = pictures.get(fact.userId) ?? emptyPicture(fact.userId);
      if (fact.type === 'user.removed' && fact.syncId.startsWith('on-demand-') && !before.known && !before.commanded)
        asked.add(fact.userId);
      pictures.set(fact.userId, applyFact(before, fact, fullSyncId));
    }
    const touched = [...pictures.values()];
    await deps.store.save(
      fullSyncId === null
        ? await decideAndEmit(touched, { partition, traceOf, annotate: onDemandAnnotation(facts), asked, live: true })
        : touched,
      partition,
    );
  }

  const mapping = deps.mappingState
    ? createMappingReevaluation({
        store: deps.store,
        state: deps.mappingState.store,
        config: deps.config,
        fingerprint: deps.mappingState.fingerprint,
        loadedAt: deps.mappingState.loadedAt,
        now: deps.context.now,
        dryRun: deps.context.dryRun,
        decide: (pictures, partition, annotate) => decideAndEmit(pictures, { partition, annotate }),
        ...(deps.mappingState.onEvent ? { onEvent: deps.mappingState.onEvent } : {}),
      })
    : undefined;

  /** Decides again for the users of a partition whose failed command is due for a retry. */
  async function retryDue(partition: number): Promise<number> {
    const due = await deps.failures.due(partition, nowMs(), CHUNK);
    if (due.length === 0) return 0;
    const pictures = [...(await deps.store.load(due)).values()];
    await deps.store.save(await decideAndEmit(pictures, { partition }), partition);
    // Users whose picture is gone (a lost Redis) come back with the next full sync.
    await deps.failures.unschedule(partition, due);
    return due.length;
  }

  /**
   * Decides again for the users the guard staged, without the guard: an admin allowed it. Their
   * commands say who (`initiatedBy` and a reason), so the provisioning log does.
   */
  async function releaseStaged(by?: Initiator): Promise<number> {
    const ids = await deps.guard.release();
    const annotate = by
      ? (c: ProvisioningCommandV1): ProvisioningCommandV1 => ({
          ...c,
          initiatedBy: by,
          reasons: [
            ...c.reasons,
            {
              code: 'deactivation-guard-released',
              severity: 'info',
              message: `Held-back deactivation released by ${by.name}.`,
            },
          ],
        })
      : undefined;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const pictures = [...(await deps.store.load(ids.slice(i, i + CHUNK))).values()];
      await deps.store.save(await decideAndEmit(pictures, { guardPolicy: { threshold: 0, windowMs: 1 }, annotate }));
    }
    return ids.length;
  }

  async function process(batch: DirectoryBatch): Promise<void> {
    const { partition } = batch;
    await checkMemory(partition);
    // Before this batch's facts: the users are decided again as they were, with the new mapping.
    await mapping?.check(partition);
    let fullSyncId = await deps.store.fullSyncOf(partition);
    let segment: UserFact[] = [];
    for (const event of batch.events) {
      if (!isMarker(event)) {
        segment.push(event);
        continue;
      }
      // Facts before a marker are settled before the marker takes effect.
      await applySegment(partition, segment, fullSyncId, batch.traceOf);
      segment = [];
      if (event.mode !== 'full' && fullSyncId !== null) {
        // A round that is not the full sync: the full sync was given up before its end (the
        // ingestor lost it and went on incrementally). Its held-back decisions are made now.
        await completeFullSync(partition, event, true);
        deps.onFullSync?.({ partition, syncId: fullSyncId, phase: 'abandoned', vanished: 0 });
        fullSyncId = null;
        await deps.store.setFullSync(partition, null);
      }
      // Each round's end is the moment to retry what Salesforce refused before (with backoff).
      // And to deactivate the frozen users whose time is up: every round ends in every partition,
      // so no change in Entra is needed, and only the partition's owner decides about its users.
      if (event.type === 'sync.completed' && fullSyncId === null) {
        await retryDue(partition);
        await sweepDeactivations(partition);
      }
      if (event.mode !== 'full') continue;
      if (event.type === 'sync.started') {
        fullSyncId = event.syncId;
        await deps.store.setFullSync(partition, fullSyncId);
        deps.onFullSync?.({ partition, syncId: event.syncId, phase: 'started', vanished: 0 });
      } else if (event.syncId === fullSyncId) {
        const vanished = await completeFullSync(partition, event);
        fullSyncId = null;
        await deps.store.setFullSync(partition, null);
        deps.onFullSync?.({ partition, syncId: event.syncId, phase: 'completed', vanished });
      }
    }
    await applySegment(partition, segment, fullSyncId, batch.traceOf);
  }

  return { process, releaseStaged, retryDue, sweepDeactivations };
}

type UserFact = Exclude<DirectoryEventV1, SyncMarker>;

/**
 * Commands decided from provision-on-demand facts (the ingestor's `on-demand-…` sync ids) are
 * marked `origin: on-demand`, with who asked for it when the facts say so.
 */
function onDemandAnnotation(
  facts: readonly UserFact[],
): ((command: ProvisioningCommandV1) => ProvisioningCommandV1) | undefined {
  const asked = new Map<string, Initiator | null>();
  for (const fact of facts) {
    if (!fact.syncId.startsWith('on-demand-')) continue;
    const by = fact.type === 'user.upserted' || fact.type === 'user.removed' ? fact.initiatedBy : undefined;
    if (by || !asked.has(fact.userId)) asked.set(fact.userId, by ?? null);
  }
  if (asked.size === 0) return undefined;
  return (command) => {
    const by = asked.get(command.userId);
    if (by === undefined) return command;
    if (by === null) return { ...command, origin: 'on-demand' };
    return {
      ...command,
      origin: 'on-demand',
      initiatedBy: by,
      reasons: [
        ...command.reasons,
        { code: 'on-demand', severity: 'info', message: `Provisioned on demand by ${by.name}.` },
      ],
    };
  };
}

function isMarker(event: DirectoryEventV1): event is SyncMarker {
  return event.type === 'sync.started' || event.type === 'sync.completed';
}
