import type { DirectoryEventV1, Initiator, SyncMarker } from '@provision/events';
import type { LeaderLease, TriggerRelay } from '../domain/leadership.ts';
import type {
  Assignment,
  DirectoryEventSink,
  IdSource,
  IngestorMetrics,
  JobControl,
  PauseState,
  SnapshotAssignment,
  SyncState,
} from '../domain/ports.ts';

/** `SyncState` in memory, as the Redis adapter keeps it. */
export class MemorySyncState implements SyncState {
  cursorMap: { users?: string; groups?: string } = {};
  readonly members = new Map<string, Set<string>>();
  readonly staged = new Map<string, Set<string>>();
  readonly snapshot = new Map<string, SnapshotAssignment>();
  #failSave: unknown;

  /** The next `saveCursors` throws. */
  failNextSave(error: unknown): void {
    this.#failSave = error;
  }

  async cursors() {
    return { ...this.cursorMap };
  }
  round: string | undefined;
  async beginRound(syncId: string) {
    this.round = syncId;
  }
  /** Forgets everything, as a flushed Redis does. */
  flush() {
    this.cursorMap = {};
    this.members.clear();
    this.staged.clear();
    this.snapshot.clear();
    this.round = undefined;
  }
  async saveCursors(cursors: { users: string; groups: string }, syncId: string) {
    if (this.#failSave !== undefined) {
      const error = this.#failSave;
      this.#failSave = undefined;
      throw error;
    }
    if (this.round !== syncId) return false;
    this.cursorMap = { ...cursors };
    return true;
  }
  async clearCursors() {
    this.cursorMap = {};
  }
  async discardWatermarks() {
    this.cursorMap = {};
    this.snapshot.clear();
    this.round = undefined;
  }
  async groupMembers(groupId: string) {
    return [...(this.members.get(groupId) ?? [])];
  }
  async addMembers(groupId: string, userIds: readonly string[]) {
    const set = this.members.get(groupId) ?? new Set();
    for (const id of userIds) set.add(id);
    this.members.set(groupId, set);
  }
  async removeMembers(groupId: string, userIds: readonly string[]) {
    for (const id of userIds) this.members.get(groupId)?.delete(id);
  }
  async dropGroup(groupId: string) {
    const members = [...(this.members.get(groupId) ?? [])];
    this.members.delete(groupId);
    return members;
  }
  async knownGroups() {
    return [...this.members.keys()];
  }
  async stageMembers(syncId: string, groupId: string, userIds: readonly string[]) {
    const key = `${syncId}/${groupId}`;
    const set = this.staged.get(key) ?? new Set();
    for (const id of userIds) set.add(id);
    this.staged.set(key, set);
  }
  async staleMembers(syncId: string, groupId: string) {
    const staged = this.staged.get(`${syncId}/${groupId}`) ?? new Set();
    return [...(this.members.get(groupId) ?? [])].filter((id) => !staged.has(id));
  }
  async commitStaged(syncId: string, groupId: string) {
    const key = `${syncId}/${groupId}`;
    this.members.set(groupId, this.staged.get(key) ?? new Set());
    this.staged.delete(key);
  }
  async assignmentSnapshot() {
    return new Map(this.snapshot);
  }
  async recordTentativeAssignments(added: readonly Assignment[]) {
    for (const a of added) if (!this.snapshot.has(a.id)) this.snapshot.set(a.id, { ...a, tentative: true });
  }
  async updateAssignmentSnapshot(added: readonly Assignment[], removedIds: readonly string[]) {
    for (const id of removedIds) this.snapshot.delete(id);
    for (const { id, principalId, principalType, appRoleId } of added)
      this.snapshot.set(id, { id, principalId, principalType, appRoleId });
  }
}

/** A topic in memory: facts in publish order, markers once per partition. */
export class MemorySink implements DirectoryEventSink {
  readonly events: DirectoryEventV1[] = [];
  readonly partitions: number;
  #failAfter: number | undefined;

  constructor(partitions = 3) {
    this.partitions = partitions;
  }

  /** Accepts `n` more publish calls, then throws on the next one. */
  failAfter(n: number): void {
    this.#failAfter = n;
  }

  async publish(events: readonly DirectoryEventV1[]) {
    this.#check();
    this.events.push(...events);
  }
  async publishMarker(marker: SyncMarker) {
    this.#check();
    for (let p = 0; p < this.partitions; p++) this.events.push({ ...marker });
  }

  /** Facts only (markers left out). */
  facts(): Exclude<DirectoryEventV1, SyncMarker>[] {
    return this.events.filter((e): e is Exclude<DirectoryEventV1, SyncMarker> => !e.type.startsWith('sync.'));
  }
  markers(): SyncMarker[] {
    return this.events.filter((e): e is SyncMarker => e.type.startsWith('sync.'));
  }
  clear(): void {
    this.events.length = 0;
  }

  #check(): void {
    if (this.#failAfter === undefined) return;
    if (this.#failAfter === 0) {
      this.#failAfter = undefined;
      throw new Error('broker unavailable');
    }
    this.#failAfter--;
  }
}

export class RecordingMetrics implements IngestorMetrics {
  readonly publishedByType = new Map<string, number>();
  readonly rounds: { mode: string; outcome: string }[] = [];
  readonly notifications = new Map<string, number>();
  readonly assignmentPolls: string[] = [];
  published(type: string, count: number) {
    this.publishedByType.set(type, (this.publishedByType.get(type) ?? 0) + count);
  }
  round(mode: 'full' | 'incremental', outcome: 'ok' | 'failed') {
    this.rounds.push({ mode, outcome });
  }
  notification(kind: string, outcome: string, count: number) {
    const key = `${kind}:${outcome}`;
    this.notifications.set(key, (this.notifications.get(key) ?? 0) + count);
  }
  assignmentPoll(outcome: string) {
    this.assignmentPolls.push(outcome);
  }
  readonly leadershipChanges: boolean[] = [];
  leadership(leader: boolean) {
    this.leadershipChanges.push(leader);
  }
}

export function sequentialIds(): IdSource {
  let n = 0;
  return { eventId: () => `evt-${++n}` };
}

/** One leader lease in memory, shared by the replicas of a test (real time: TTL by `Date.now()`). */
export class MemoryLeaseStore {
  holder: string | undefined;
  token = 0;
  expiresAt = 0;
  /** Who tried to acquire the lease, in order (whether or not they got it). */
  readonly attempts: string[] = [];
  readonly ttlMs: number;
  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }
  lease(name: string): LeaderLease {
    return {
      acquire: async () => {
        this.attempts.push(name);
        const free = this.holder === undefined || Date.now() >= this.expiresAt;
        if (!free && this.holder !== name) return undefined;
        if (free) this.token++;
        this.holder = name;
        this.expiresAt = Date.now() + this.ttlMs;
        return String(this.token);
      },
      renew: async () => {
        if (this.holder !== name || Date.now() >= this.expiresAt) return false;
        this.expiresAt = Date.now() + this.ttlMs;
        return true;
      },
      release: async () => {
        if (this.holder === name) this.holder = undefined;
      },
    };
  }
}

/** Forwarded triggers in memory, shared by the replicas of a test. */
export class MemoryRelay implements TriggerRelay {
  readonly forwarded: string[] = [];
  #queue: string[] = [];
  async forward(trigger: string) {
    this.forwarded.push(trigger);
    this.#queue.push(trigger);
  }
  async drain() {
    const all = this.#queue;
    this.#queue = [];
    return all;
  }
}

/** `JobControl` in memory: the pause, and the writers' quarantine with its count of clears. */
export class MemoryJobControl implements JobControl {
  pausedState: PauseState | null = null;
  quarantine: Record<string, unknown> | null = null;
  clears: { at: string; by: Initiator }[] = [];
  async paused() {
    return this.pausedState;
  }
  async pause(state: PauseState) {
    this.pausedState ??= state;
    return this.pausedState;
  }
  async resume() {
    const ended = this.pausedState;
    this.pausedState = null;
    return ended;
  }
  async clearQuarantine(at: string, by: Initiator) {
    const lifted = this.quarantine;
    this.quarantine = null;
    this.clears.push({ at, by });
    return lifted;
  }
}
