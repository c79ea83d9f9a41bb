import type { DirectoryEventV1, Initiator, SyncMarker } from '@provision/events';

/** One page of a delta round; the last page carries the cursor of the next round. */
export interface DeltaPage<T> {
  readonly items: readonly T[];
  /** `@odata.deltaLink` of the round, on its last page only. */
  readonly deltaLink?: string;
}

/** A user as one delta page reports it. */
export interface UserDelta {
  readonly id: string;
  /** Graph `@removed.reason`: `changed` = soft-deleted (restorable), `deleted` = gone for good. */
  readonly removed?: 'changed' | 'deleted';
  /** The properties as Graph returned them (without `id` and annotations). */
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface MemberDelta {
  readonly id: string;
  /** Nested groups and other object kinds are not expanded (as Entra provisioning). */
  readonly kind: 'user' | 'group' | 'other';
  readonly removed: boolean;
}

/** A group as one delta page reports it: a chunk of its `members@delta`, or its removal. */
export interface GroupDelta {
  readonly id: string;
  readonly removed?: 'changed' | 'deleted';
  readonly members: readonly MemberDelta[];
}

/** An app role assignment of the application's service principal. */
export interface Assignment {
  readonly id: string;
  readonly principalId: string;
  readonly principalType: 'User' | 'Group' | 'ServicePrincipal';
  readonly appRoleId: string;
}

/** An assignment of the snapshot: `tentative` when its addition was being published by a round that did not finish. */
export interface SnapshotAssignment extends Assignment {
  readonly tentative?: boolean;
}

export interface AppRole {
  readonly id: string;
  /** The role's `value`; null for roles without one. */
  readonly value: string | null;
}

/**
 * What the ingestor reads from the directory. A cursor Graph no longer knows makes a delta throw a
 * `ProvisionError` with code `PRV_GRAPH_DELTA_EXPIRED`.
 */
export interface DirectorySource {
  /** Users delta from `cursor` (a deltaLink), or from scratch when undefined; page by page. */
  usersDelta(cursor: string | undefined): AsyncIterable<DeltaPage<UserDelta>>;
  /** Groups delta with members from `cursor`, or from scratch; page by page. */
  groupsDelta(cursor: string | undefined): AsyncIterable<DeltaPage<GroupDelta>>;
  /** Every assignment of the service principal (`appRoleAssignedTo`), page by page. */
  assignments(): AsyncIterable<readonly Assignment[]>;
  /** The service principal's app roles. */
  appRoles(): Promise<readonly AppRole[]>;
  /** One user's properties (the same set the delta selects); undefined when it does not exist. */
  user(id: string): Promise<Readonly<Record<string, unknown>> | undefined>;
  /** Ids of the groups the user is a direct member of. */
  userGroups(id: string): Promise<readonly string[]>;
  /** Whether the object is in the tenant's deleted items (soft-deleted, restorable for 30 days). */
  isDeleted(id: string): Promise<boolean>;
}

/**
 * What the ingestor remembers between rounds (Redis): delta cursors, each group's members (to fan
 * group facts out per user) and the last assignment snapshot (assignments cannot be delta-tracked).
 * All of it can be rebuilt by a full sync.
 */
export interface SyncState {
  cursors(): Promise<{ users?: string; groups?: string }>;
  /** Marks the start of a round, so its end can tell whether the state survived it. */
  beginRound(syncId: string): Promise<void>;
  /**
   * Stores both cursors together, after the round's facts are published — only when the round's
   * mark is still there. False when the state was lost meanwhile (Redis flushed or failed over
   * empty): the group index and the assignment snapshot the round built on are gone, so the
   * next round must be a full one, which saving no cursors makes it.
   */
  saveCursors(cursors: { users: string; groups: string }, syncId: string): Promise<boolean>;
  clearCursors(): Promise<void>;

  /** Current members of a group in the index. */
  groupMembers(groupId: string): Promise<readonly string[]>;
  addMembers(groupId: string, userIds: readonly string[]): Promise<void>;
  removeMembers(groupId: string, userIds: readonly string[]): Promise<void>;
  /** Forgets a group; returns who its members were. */
  dropGroup(groupId: string): Promise<readonly string[]>;
  /** Every group the index knows. */
  knownGroups(): Promise<readonly string[]>;
  /** Full sync: collects a group's members as the round sees them, apart from the live index. */
  stageMembers(syncId: string, groupId: string, userIds: readonly string[]): Promise<void>;
  /** Full sync: members in the index that the round did not see (staged set of a group). */
  staleMembers(syncId: string, groupId: string): Promise<readonly string[]>;
  /** Full sync: replaces the group's members by the staged ones. */
  commitStaged(syncId: string, groupId: string): Promise<void>;

  /** The assignments published so far; `tentative` ones a round was publishing when it stopped. */
  assignmentSnapshot(): Promise<ReadonlyMap<string, SnapshotAssignment>>;
  /**
   * Before a round publishes additions: records them as tentative, so that if the round never
   * finishes, the next one knows they may have reached the mapper (and publishes their removal
   * should they be gone by then).
   */
  recordTentativeAssignments(added: readonly Assignment[]): Promise<void>;
  /** Applies a diff to the snapshot, after its facts are published (the added ones become confirmed). */
  updateAssignmentSnapshot(added: readonly Assignment[], removedIds: readonly string[]): Promise<void>;
  /**
   * Restart provisioning: forgets the delta cursors, the assignment snapshot and the mark of the
   * round in progress, in one step, so the next round is a full sync and a round running now saves
   * no cursor. Any replica may call it (not fenced: it only deletes, and the round mark makes a
   * leader's round that started before it end without saving).
   */
  discardWatermarks(): Promise<void>;
}

/** An admin's pause of provisioning: who, when and why. */
export interface PauseState {
  readonly since: string;
  readonly by: Initiator;
  readonly reason: string | null;
}

/**
 * The job's switches an admin sets, shared by every service through Redis: the pause (the ingestor
 * reads no Graph, the writers send nothing to Salesforce) and the writers' quarantine clears.
 */
export interface JobControl {
  paused(): Promise<PauseState | null>;
  /** Pauses provisioning; a pause already in force is kept as it was (first pauser, first time). */
  pause(state: PauseState): Promise<PauseState>;
  /** Ends the pause; returns the pause it ended, or null when provisioning was running. */
  resume(): Promise<PauseState | null>;
  /**
   * Lifts the writers' quarantine: deletes the state they published and counts one more clear,
   * which every writer replica reads before its next batch. Returns the quarantine it lifted.
   */
  clearQuarantine(at: string, by: Initiator): Promise<Record<string, unknown> | null>;
}

/** Where directory facts go (`entra.directory.v1`, keyed by user id). */
export interface DirectoryEventSink {
  /** Publishes facts in order; resolves once the broker acknowledged all of them. */
  publish(events: readonly DirectoryEventV1[]): Promise<void>;
  /** Writes a marker to every partition of the topic. */
  publishMarker(marker: SyncMarker): Promise<void>;
}

/** Remembers our subscription ids across restarts (Redis); the port is `@provision/graph`'s. */
export type { SubscriptionIdStore as SubscriptionStore } from '@provision/graph';

/** What the ingestor counts. */
export interface IngestorMetrics {
  published(type: string, count: number): void;
  round(mode: 'full' | 'incremental', outcome: 'ok' | 'failed', seconds: number): void;
  /** `rejected`: wrong clientState or malformed; `unknown`: another tenant or a subscription not ours. */
  notification(kind: 'change' | 'lifecycle', outcome: 'accepted' | 'rejected' | 'unknown', count: number): void;
  /** One assignments poll and what it found. */
  assignmentPoll(outcome: 'changed' | 'unchanged' | 'skipped' | 'failed'): void;
  /** This replica became the leader (true) or a standby (false). */
  leadership(leader: boolean): void;
}

/** The one clock of Provision (epoch milliseconds; `@provision/ports/testing`'s ManualClock in tests). */
export type { Clock } from '@provision/ports';

/** Ids, injected so tests control them. */

export interface IdSource {
  eventId(): string;
}
