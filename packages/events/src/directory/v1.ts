import { z } from 'zod';
import { AttributeValue, Initiator, ObjectId, Timestamp } from '../common.ts';

/**
 * `entra.directory.v1` — facts read from Microsoft Graph, keyed by the object id of the user they
 * are about. Group-level facts are fanned out per member by the ingestor, so that every decision
 * about one user is made in that user's partition.
 */
const base = {
  /** Unique id of this fact; also the CloudEvents `ce_id`. */
  eventId: z.string().min(1),
  /** The sync round (full or incremental) that observed it. */
  syncId: z.string().min(1),
  observedAt: Timestamp,
};

/** The role held through an assignment; `roleValue` null means "Default Access". */
export const RoleRef = z.object({
  appRoleId: z.string().min(1),
  roleValue: z.string().nullable(),
});
export type RoleRef = z.infer<typeof RoleRef>;

export const UserUpserted = z.object({
  ...base,
  type: z.literal('user.upserted'),
  userId: ObjectId,
  /** Graph attributes as read; with `complete: false` only the changed ones. */
  attributes: z.record(z.string(), AttributeValue),
  complete: z.boolean(),
  /** Provision on demand: the signed-in admin or app who asked for it (so the log can say who). */
  initiatedBy: Initiator.optional(),
});

export const UserRemoved = z.object({
  ...base,
  type: z.literal('user.removed'),
  userId: ObjectId,
  /** soft: in deleted items, restorable (Graph `@removed.reason: changed`); hard: gone for good. */
  removal: z.enum(['soft', 'hard']),
  /**
   * Provision on demand of a user Graph no longer has: the admin or app who asked (so the log can
   * say who), and whose deactivation reaches a Salesforce user linked to it even when the mapper
   * never knew the user.
   */
  initiatedBy: Initiator.optional(),
});

export const MembershipChanged = z.object({
  ...base,
  type: z.literal('membership.changed'),
  userId: ObjectId,
  groupId: ObjectId,
  change: z.enum(['added', 'removed']),
  /** The group's app-role assignments at the time, so the user's partition needs nothing else. */
  groupRoles: z.array(RoleRef),
});

export const AssignmentChanged = z.object({
  ...base,
  type: z.literal('assignment.changed'),
  /** The user whose access changed. */
  userId: ObjectId,
  assignmentId: z.string().min(1),
  /** Who holds the assignment: the user itself, or a group the user belongs to. */
  principalType: z.enum(['User', 'Group']),
  principalId: ObjectId,
  role: RoleRef,
  change: z.enum(['added', 'removed']),
});

/**
 * Sync markers are written to every partition, after the facts of that round in that partition,
 * so a consumer of one partition can tell when a full sync is over and who was not seen in it.
 */
export const SyncMarker = z.object({
  eventId: z.string().min(1),
  type: z.enum(['sync.started', 'sync.completed']),
  syncId: z.string().min(1),
  mode: z.enum(['full', 'incremental']),
  at: Timestamp,
  /** Counts of what the round published (on `sync.completed`). */
  counts: z.record(z.string(), z.number().int().nonnegative()).optional(),
});

export const DirectoryEventV1 = z.discriminatedUnion('type', [
  UserUpserted,
  UserRemoved,
  MembershipChanged,
  AssignmentChanged,
  SyncMarker,
]);

export type UserUpserted = z.infer<typeof UserUpserted>;
export type UserRemoved = z.infer<typeof UserRemoved>;
export type MembershipChanged = z.infer<typeof MembershipChanged>;
export type AssignmentChanged = z.infer<typeof AssignmentChanged>;
export type SyncMarker = z.infer<typeof SyncMarker>;
export type DirectoryEventV1 = z.infer<typeof DirectoryEventV1>;
