import type { ProvisioningCommandV1 } from '@provision/events';
import type { MappingConfig } from '@provision/mapping';
import { describeMappingDiff, diffMappings } from './mapping-diff.ts';
import type { UserPicture } from './picture.ts';
import type { AppliedMapping, MappingChange, MappingStateStore, PartitionReevaluation, PictureStore } from './ports.ts';

/** What happened when a partition's mapping was checked. */
export type MappingCheckEvent =
  | { readonly kind: 'first'; readonly partition: number; readonly fingerprint: string }
  | {
      readonly kind: 'older';
      readonly partition: number;
      readonly fingerprint: string;
      readonly applied: AppliedMapping;
    }
  | { readonly kind: 'deferred'; readonly partition: number; readonly fingerprint: string }
  | {
      readonly kind: 'reevaluated';
      readonly partition: number;
      readonly change: Omit<MappingChange, 'partitions'>;
      readonly result: PartitionReevaluation;
    };

export interface MappingReevaluationDeps {
  readonly store: Pick<PictureStore, 'usersOf' | 'load' | 'save' | 'fullSyncOf'>;
  readonly state: MappingStateStore;
  readonly config: MappingConfig;
  readonly fingerprint: string;
  /** When this replica loaded its mapping (its start). */
  readonly loadedAt: Date;
  readonly now: () => Date;
  /** A dry run previews the change at each start and records nothing, so it is applied once dry run is off. */
  readonly dryRun: boolean;
  /**
   * Decides for these pictures and emits the commands through the normal path (the deactivation
   * guard included), each passed through `annotate`; returns the pictures to save.
   */
  readonly decide: (
    pictures: UserPicture[],
    partition: number,
    annotate: (command: ProvisioningCommandV1) => ProvisioningCommandV1,
  ) => Promise<UserPicture[]>;
  readonly onEvent?: (event: MappingCheckEvent) => void;
}

const CHUNK = 500;

/**
 * A mapping change takes effect for every user, not only for those whose directory facts change
 * next: on the first batch this replica handles in a partition, the mapping the partition's users
 * were last decided with (its fingerprint in the store) is compared with this replica's. Different,
 * every user of the partition is decided again and the commands go out as usual (updates with
 * their old → new, deactivations through the guard), tagged with the change's `changeId`
 * (`mapping-<fingerprint>`) and a `mapping-changed` reason; then the new fingerprint is recorded.
 *
 * - First start (no record): the mapping is recorded, nobody is decided again.
 * - A crash midway: nothing was recorded, so the next owner of the partition does it again; the
 *   users already done find nothing to change (the mapper compares with what it commanded).
 * - Several replicas: a partition is decided by the one replica Kafka assigned it to, as every
 *   user's facts are. A replica started before the one that applied the record runs an older
 *   mapping (a rolling deployment): it leaves the partition as is and says so, instead of
 *   reverting it.
 * - A full sync in progress: deferred to the next batch after its end (its end decides every
 *   user anyway; the check then finds nothing left to change).
 */
export function createMappingReevaluation(deps: MappingReevaluationDeps) {
  const settled = new Set<number>();
  const mine = (): AppliedMapping => ({
    fingerprint: deps.fingerprint,
    appliedAt: deps.now().toISOString(),
    loadedAt: deps.loadedAt.toISOString(),
  });

  async function check(partition: number): Promise<void> {
    if (settled.has(partition)) return;
    const applied = await deps.state.applied(partition);
    if (applied === null) {
      await deps.state.saveConfig(deps.fingerprint, deps.config);
      await deps.state.setApplied(partition, mine());
      settled.add(partition);
      deps.onEvent?.({ kind: 'first', partition, fingerprint: deps.fingerprint });
      return;
    }
    if (applied.fingerprint === deps.fingerprint) {
      settled.add(partition);
      return;
    }
    if (Date.parse(applied.loadedAt) > deps.loadedAt.getTime()) {
      settled.add(partition);
      deps.onEvent?.({ kind: 'older', partition, fingerprint: deps.fingerprint, applied });
      return;
    }
    if ((await deps.store.fullSyncOf(partition)) !== null) {
      deps.onEvent?.({ kind: 'deferred', partition, fingerprint: deps.fingerprint });
      return;
    }
    await reevaluate(partition, applied);
    settled.add(partition);
  }

  async function reevaluate(partition: number, applied: AppliedMapping): Promise<void> {
    const startedAt = deps.now().toISOString();
    await deps.state.saveConfig(deps.fingerprint, deps.config);
    const previous = await deps.state.config(applied.fingerprint);
    const changes = previous ? diffMappings(previous, deps.config) : null;
    const summary = describeMappingDiff(changes);
    const changeId = `mapping-${deps.fingerprint}`;
    const commands: Record<string, number> = {};
    const annotate = (command: ProvisioningCommandV1): ProvisioningCommandV1 => {
      commands[command.action] = (commands[command.action] ?? 0) + 1;
      return {
        ...command,
        changeId,
        reasons: [
          ...command.reasons,
          {
            code: 'mapping-changed',
            severity: 'info',
            message: `Decided again because the mapping changed (${applied.fingerprint} → ${deps.fingerprint}): ${summary}.`,
          },
        ],
      };
    };
    let reevaluated = 0;
    for await (const ids of deps.store.usersOf(partition, CHUNK)) {
      const pictures = [...(await deps.store.load(ids)).values()];
      reevaluated += pictures.length;
      await deps.store.save(await deps.decide(pictures, partition, annotate), partition);
    }
    const change = {
      fingerprint: deps.fingerprint,
      previous: applied.fingerprint,
      changeId,
      summary,
      changes,
      startedAt,
    };
    const result: PartitionReevaluation = { partition, reevaluated, commands, at: deps.now().toISOString() };
    if (!deps.dryRun) {
      await deps.state.recordChange(change, result);
      // Last: a crash before this line makes the next owner of the partition do it all again.
      await deps.state.setApplied(partition, mine());
    }
    deps.onEvent?.({ kind: 'reevaluated', partition, change, result });
  }

  return { check };
}
