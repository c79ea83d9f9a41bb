import type { DirectoryEventV1, ProvisioningCommandV1 } from '@provision/events';
import type { MappingConfig } from '@provision/mapping';
import type { MappingDiffEntry } from './mapping-diff.ts';
import type { Failure, UserPicture } from './picture.ts';

/** Pictures of users, by partition of `entra.directory.v1` (Redis in production). */
export interface PictureStore {
  load(userIds: readonly string[]): Promise<Map<string, UserPicture>>;
  /** Saves pictures and records which partition each user's facts arrive in (when given). */
  save(pictures: readonly UserPicture[], partition?: number): Promise<void>;
  /** Every user seen in a partition, in chunks. */
  usersOf(partition: number, chunkSize: number): AsyncIterable<string[]>;
  /** The full sync in progress in a partition (between its markers), if any. */
  fullSyncOf(partition: number): Promise<string | null>;
  setFullSync(partition: number, syncId: string | null): Promise<void>;
  /**
   * Whether the partition's pictures are whole: set on a first start and at the end of each full
   * sync; gone with the rest when Redis is emptied.
   */
  memoryIntact(partition: number): Promise<boolean>;
  setMemoryIntact(partition: number): Promise<void>;
}

/**
 * Which topic a command goes to: `bulk` (`provisioning.commands.v1`), or `live`
 * (`provisioning.commands.live.v1`), the lane past a full sync's backlog for the changes Entra
 * notified. A user's command goes live only when none of the user's earlier commands is unanswered
 * in the bulk lane, so each user's commands are carried out in the order they were decided.
 */
export type Lane = 'bulk' | 'live';

/** Where commands go (`provisioning.commands.v1` and `provisioning.commands.live.v1`). */
export interface CommandSink {
  /**
   * `traceOf(changeId)` gives the trace context of the directory event that caused a command;
   * `laneOf(command)` its lane (unset: all bulk).
   */
  publish(
    commands: readonly ProvisioningCommandV1[],
    traceOf?: (changeId: string) => string | undefined,
    laneOf?: (command: ProvisioningCommandV1) => Lane,
  ): Promise<void>;
}

/**
 * The last command the writer answered, per user (Redis in production): with the picture's last
 * command, whether a user has a command still unanswered, and so in which lane the next must go.
 * Losing it costs only speed: a user whose last command is not known answered stays in its lane.
 */
export interface AnswerStore {
  /** Records each user's answered command (the latest result read for that user wins). */
  record(answers: readonly { userId: string; commandId: string }[]): Promise<void>;
  load(userIds: readonly string[]): Promise<Map<string, string>>;
}

/** A batch of directory events from one partition, in offset order. */
export interface DirectoryBatch {
  partition: number;
  events: readonly DirectoryEventV1[];
  /** The W3C trace context of an event, by event id, so a trace follows a change to Salesforce. */
  traceOf?: (eventId: string) => string | undefined;
}

/** The stream of directory events (`entra.directory.v1`); the batch is committed when the handler resolves. */
export interface DirectoryFeed {
  start(handler: (batch: DirectoryBatch) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
  /** Whether the mapper consumed the partition before (its consumer group committed an offset there). */
  consumedBefore(partition: number): Promise<boolean>;
}

/** A failed result to remember, in the partition of its user. */
export interface FailedResult {
  userId: string;
  partition: number;
  commandId: string;
  code: string;
  /** Whether the failure was transient (worth a quick retry) rather than a refusal of the user's data. */
  retriable: boolean;
  at: string;
}

/**
 * Commands Salesforce refused, per user, and when to try each user again (Redis in production).
 * Only a later success forgets a user's failures, so the backoff keeps growing for a user
 * Salesforce keeps refusing.
 */
export interface FailureStore {
  /** Remembers failures and schedules each user's retry `backoffMs(attempts, retriable)` from now. */
  record(
    failures: readonly FailedResult[],
    backoffMs: (attempts: number, retriable: boolean) => number,
    nowMs: number,
  ): Promise<void>;
  /** Forgets the failures of users whose latest command succeeded. */
  succeeded(users: readonly { userId: string; partition: number }[]): Promise<void>;
  load(userIds: readonly string[]): Promise<Map<string, Failure>>;
  /** Users of a partition whose retry is due. */
  due(partition: number, nowMs: number, limit: number): Promise<string[]>;
  /** Takes users off the retry schedule (a new command is on its way, or none is needed). */
  unschedule(partition: number, userIds: readonly string[]): Promise<void>;
}

/**
 * When frozen users fall due for deactivation (`deprovisioning: freezeThenDeactivate`), per
 * partition (a Redis sorted set by due time in production). Swept by whichever replica owns the
 * partition, at each round's end; an entry goes only once its user was decided at or after its
 * due time, so a crash mid-sweep leaves it for the next sweep.
 */
export interface DeactivationSchedule {
  /** Sets each user's due time (a later freeze or a longer `deactivateAfterDays` moves it). */
  schedule(partition: number, entries: readonly { userId: string; dueMs: number }[]): Promise<void>;
  /** Users of a partition whose deactivation is due, earliest first. */
  due(partition: number, nowMs: number, limit: number): Promise<string[]>;
  /** Takes off the users whose entry is still due at `nowMs` (one rescheduled meanwhile stays). */
  removeDue(partition: number, userIds: readonly string[], nowMs: number): Promise<void>;
}

/** The results of the writer (`provisioning.results.v1`), for retrying what failed. */
export interface ResultFeed {
  start(
    handler: (
      results: readonly { partition: number; result: import('@provision/events').ProvisioningResultV1 }[],
    ) => Promise<void>,
  ): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
}

/** The mapping a partition's users were last decided with. */
export interface AppliedMapping {
  readonly fingerprint: string;
  readonly appliedAt: string;
  /** When the replica that applied it loaded it (its start): a replica started earlier runs an older mapping. */
  readonly loadedAt: string;
}

/** One partition's share of a mapping change: its users decided again. */
export interface PartitionReevaluation {
  readonly partition: number;
  readonly reevaluated: number;
  /** Commands emitted, by action (`update`, `disable`, `skip`, …). */
  readonly commands: Readonly<Record<string, number>>;
  readonly at: string;
}

/** A mapping change as the console shows it: what changed, and each partition's re-evaluation so far. */
export interface MappingChange {
  readonly fingerprint: string;
  readonly previous: string;
  readonly changeId: string;
  readonly summary: string;
  /** Null when the previous mapping itself was not kept (only its fingerprint). */
  readonly changes: readonly MappingDiffEntry[] | null;
  readonly startedAt: string;
  readonly partitions: readonly PartitionReevaluation[];
}

/**
 * Which mapping each partition's users were last decided with, the mappings by fingerprint (to
 * diff against the next one) and the last mapping change (Redis in production; losing it costs a
 * re-evaluation at most, never a wrong decision: a partition without a record takes the mapping
 * it starts with as applied).
 */
export interface MappingStateStore {
  applied(partition: number): Promise<AppliedMapping | null>;
  setApplied(partition: number, applied: AppliedMapping): Promise<void>;
  saveConfig(fingerprint: string, config: MappingConfig): Promise<void>;
  config(fingerprint: string): Promise<MappingConfig | null>;
  /** Records the change (once per fingerprint: the first partition's summary stays) and one partition's share. */
  recordChange(change: Omit<MappingChange, 'partitions'>, partition: PartitionReevaluation): Promise<void>;
  lastChange(): Promise<MappingChange | null>;
}

/**
 * The accidental-deletion guard (Entra's "accidental deletions threshold"): past `threshold`
 * deactivations within `windowMs`, further deactivations are held back (staged) until an admin
 * allows them. The count is shared by every mapper replica (a port backed by Redis).
 */
export interface DeactivationGuardStore {
  /** Adds `n` deactivations to the current window and returns the window's total. */
  add(n: number, windowMs: number): Promise<number>;
  /** Users held back, for the admin to review and release. */
  stage(userIds: readonly string[]): Promise<void>;
  staged(): Promise<string[]>;
  /** Takes the staged users out of the stage (on release); they are decided again without the guard. */
  release(): Promise<string[]>;
}
