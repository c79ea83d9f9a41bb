import type { ProvisioningCommandV1 } from '@provision/events';
import type { MappingConfig } from '@provision/mapping';
import type { Failure, UserPicture } from '../domain/picture.ts';
import type {
  AnswerStore,
  AppliedMapping,
  CommandSink,
  DeactivationGuardStore,
  DeactivationSchedule,
  DirectoryBatch,
  DirectoryFeed,
  FailedResult,
  FailureStore,
  Lane,
  MappingChange,
  MappingStateStore,
  PartitionReevaluation,
  PictureStore,
} from '../domain/ports.ts';

/** In-memory pictures, for tests; `failOnSave` injects a store failure. */
export class InMemoryPictureStore implements PictureStore {
  readonly pictures = new Map<string, UserPicture>();
  readonly partitions = new Map<number, Set<string>>();
  readonly fullSyncs = new Map<number, string>();
  failOnSave = false;

  async load(userIds: readonly string[]): Promise<Map<string, UserPicture>> {
    const out = new Map<string, UserPicture>();
    for (const id of userIds) {
      const p = this.pictures.get(id);
      if (p) out.set(id, structuredClone(p));
    }
    return out;
  }

  async save(pictures: readonly UserPicture[], partition?: number): Promise<void> {
    if (this.failOnSave) throw new Error('store unavailable (injected)');
    for (const p of pictures) this.pictures.set(p.id, structuredClone(p));
    if (partition === undefined) return;
    const ids = this.partitions.get(partition) ?? new Set();
    for (const p of pictures) ids.add(p.id);
    this.partitions.set(partition, ids);
  }

  async *usersOf(partition: number, chunkSize: number): AsyncIterable<string[]> {
    const ids = [...(this.partitions.get(partition) ?? [])];
    for (let i = 0; i < ids.length; i += chunkSize) yield ids.slice(i, i + chunkSize);
  }

  async fullSyncOf(partition: number): Promise<string | null> {
    return this.fullSyncs.get(partition) ?? null;
  }

  async setFullSync(partition: number, syncId: string | null): Promise<void> {
    if (syncId === null) this.fullSyncs.delete(partition);
    else this.fullSyncs.set(partition, syncId);
  }

  readonly intact = new Set<number>();

  async memoryIntact(partition: number): Promise<boolean> {
    return this.intact.has(partition);
  }

  async setMemoryIntact(partition: number): Promise<void> {
    this.intact.add(partition);
  }

  /** Forgets everything, as an emptied Redis does. */
  clear(): void {
    this.pictures.clear();
    this.partitions.clear();
    this.fullSyncs.clear();
    this.intact.clear();
  }
}

export class InMemoryCommandSink implements CommandSink {
  readonly commands: ProvisioningCommandV1[] = [];
  /** The lane each command went in, by command id. */
  readonly lanes = new Map<string, Lane>();
  failNext = 0;

  async publish(
    commands: readonly ProvisioningCommandV1[],
    _traceOf?: (changeId: string) => string | undefined,
    laneOf?: (command: ProvisioningCommandV1) => Lane,
  ): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('broker unavailable (injected)');
    }
    this.commands.push(...commands);
    for (const c of commands) this.lanes.set(c.commandId, laneOf?.(c) ?? 'bulk');
  }
}

/** The writer's answers in a Map, for tests. */
export class InMemoryAnswerStore implements AnswerStore {
  readonly answered = new Map<string, string>();

  async record(answers: readonly { userId: string; commandId: string }[]): Promise<void> {
    for (const a of answers) this.answered.set(a.userId, a.commandId);
  }
  async load(userIds: readonly string[]): Promise<Map<string, string>> {
    return new Map(userIds.flatMap((id) => (this.answered.has(id) ? [[id, this.answered.get(id)!] as const] : [])));
  }
}

export class InMemoryDeactivationGuardStore implements DeactivationGuardStore {
  private count = 0;
  private readonly held = new Set<string>();

  async add(n: number): Promise<number> {
    this.count += n;
    return this.count;
  }
  async stage(userIds: readonly string[]): Promise<void> {
    for (const id of userIds) this.held.add(id);
  }
  async staged(): Promise<string[]> {
    return [...this.held];
  }
  async release(): Promise<string[]> {
    const ids = [...this.held];
    this.held.clear();
    return ids;
  }
}

export class InMemoryFailureStore implements FailureStore {
  readonly failures = new Map<string, Failure>();
  readonly schedule = new Map<number, Map<string, number>>();

  async record(
    failures: readonly FailedResult[],
    backoffMs: (attempts: number, retriable: boolean) => number,
    nowMs: number,
  ): Promise<void> {
    for (const f of failures) {
      const attempts = (this.failures.get(f.userId)?.attempts ?? 0) + 1;
      this.failures.set(f.userId, { commandId: f.commandId, code: f.code, attempts, at: f.at });
      const due = this.schedule.get(f.partition) ?? new Map<string, number>();
      due.set(f.userId, nowMs + backoffMs(attempts, f.retriable));
      this.schedule.set(f.partition, due);
    }
  }
  async succeeded(users: readonly { userId: string; partition: number }[]): Promise<void> {
    for (const u of users) {
      this.failures.delete(u.userId);
      this.schedule.get(u.partition)?.delete(u.userId);
    }
  }
  async load(userIds: readonly string[]): Promise<Map<string, Failure>> {
    return new Map(userIds.flatMap((id) => (this.failures.has(id) ? [[id, this.failures.get(id)!] as const] : [])));
  }
  async due(partition: number, nowMs: number, limit: number): Promise<string[]> {
    return [...(this.schedule.get(partition) ?? [])]
      .filter(([, at]) => at <= nowMs)
      .slice(0, limit)
      .map(([id]) => id);
  }
  async unschedule(partition: number, userIds: readonly string[]): Promise<void> {
    for (const id of userIds) this.schedule.get(partition)?.delete(id);
  }
}

/** The mapping state in Maps, for tests. */
export class InMemoryMappingStateStore implements MappingStateStore {
  readonly appliedBy = new Map<number, AppliedMapping>();
  readonly configs = new Map<string, MappingConfig>();
  readonly changes = new Map<
    string,
    { meta: Omit<MappingChange, 'partitions'>; partitions: Map<number, PartitionReevaluation> }
  >();
  last: string | null = null;

  async applied(partition: number): Promise<AppliedMapping | null> {
    return this.appliedBy.get(partition) ?? null;
  }
  async setApplied(partition: number, applied: AppliedMapping): Promise<void> {
    this.appliedBy.set(partition, applied);
  }
  async saveConfig(fingerprint: string, config: MappingConfig): Promise<void> {
    this.configs.set(fingerprint, config);
  }
  async config(fingerprint: string): Promise<MappingConfig | null> {
    return this.configs.get(fingerprint) ?? null;
  }
  async recordChange(change: Omit<MappingChange, 'partitions'>, partition: PartitionReevaluation): Promise<void> {
    const entry = this.changes.get(change.fingerprint) ?? { meta: change, partitions: new Map() };
    entry.partitions.set(partition.partition, partition);
    this.changes.set(change.fingerprint, entry);
    this.last = change.fingerprint;
  }
  async lastChange(): Promise<MappingChange | null> {
    const entry = this.last === null ? undefined : this.changes.get(this.last);
    if (!entry) return null;
    return { ...entry.meta, partitions: [...entry.partitions.values()].sort((a, b) => a.partition - b.partition) };
  }
}

/** In-memory deactivation deadlines, for tests. */
export class InMemoryDeactivationSchedule implements DeactivationSchedule {
  readonly byPartition = new Map<number, Map<string, number>>();

  async schedule(partition: number, entries: readonly { userId: string; dueMs: number }[]): Promise<void> {
    const due = this.byPartition.get(partition) ?? new Map<string, number>();
    for (const e of entries) due.set(e.userId, e.dueMs);
    this.byPartition.set(partition, due);
  }

  async due(partition: number, nowMs: number, limit: number): Promise<string[]> {
    return [...(this.byPartition.get(partition) ?? [])]
      .filter(([, at]) => at <= nowMs)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id]) => id);
  }

  async removeDue(partition: number, userIds: readonly string[], nowMs: number): Promise<void> {
    const due = this.byPartition.get(partition);
    for (const id of userIds) if ((due?.get(id) ?? Number.POSITIVE_INFINITY) <= nowMs) due?.delete(id);
  }
}

/** A directory feed the test drives: `deliver` hands a batch to the service as Kafka would; `failOnStart` injects a broker failure. */
export class ManualDirectoryFeed implements DirectoryFeed {
  #handler: ((batch: DirectoryBatch) => Promise<void>) | undefined;
  failOnStart: Error | undefined;
  readonly consumed = new Set<number>();

  async start(handler: (batch: DirectoryBatch) => Promise<void>): Promise<void> {
    if (this.failOnStart) throw this.failOnStart;
    this.#handler = handler;
  }
  async stop(): Promise<void> {
    this.#handler = undefined;
  }
  ready(): boolean {
    return this.#handler !== undefined;
  }
  async consumedBefore(partition: number): Promise<boolean> {
    return this.consumed.has(partition);
  }
  /** Hands `batch` to the service and waits for it to be handled (as the commit would). */
  async deliver(batch: DirectoryBatch): Promise<void> {
    if (!this.#handler) throw new Error('the feed is not started');
    await this.#handler(batch);
    this.consumed.add(batch.partition);
  }
}
