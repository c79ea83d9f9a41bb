import { z } from 'zod';
import { CommandAction } from '../commands/v1.ts';
import { ChangeId, ModifiedProperty, ObjectId, Timestamp } from '../common.ts';

/**
 * `provisioning.lifecycle.v1` — what happened to a person's Salesforce access, one event per
 * successful (non-dry-run) result that changed it, keyed by the Entra object id. The five types do
 * not overlap: one result gives at most one event.
 *
 * - `joiner`: a Salesforce user was created for the Entra user (active).
 * - `provisioned`: an existing Salesforce user was linked to the Entra user, or reactivated (active).
 * - `mover`: an active, linked Salesforce user's fields changed (`changes`: old → new).
 * - `leaver`: the Salesforce user was deactivated because the person left Entra (the user was
 *   deleted or disabled there).
 * - `deprovisioned`: the Salesforce user was deactivated for another reason (unassigned, out of
 *   scope), or one the producer could not learn.
 */
export const LifecycleType = z.enum(['joiner', 'mover', 'leaver', 'provisioned', 'deprovisioned']);
export type LifecycleType = z.infer<typeof LifecycleType>;

export const LifecycleEventV1 = z.object({
  /**
   * Derived from the command (`<commandId>:lifecycle`), also the CloudEvents `ce_id`: a
   * redelivered result yields the same id again, so subscribers can drop what they have seen.
   */
  eventId: z.string().min(1),
  type: LifecycleType,
  userId: ObjectId,
  /** The Salesforce user id (`005…`). */
  salesforceId: z.string().min(1),
  /** Whether the Salesforce user is active after this event: what a "who is active" table keeps. */
  active: z.boolean(),
  /** The Salesforce fields written, old → new (for a joiner, the new values). */
  changes: z.array(ModifiedProperty),
  /**
   * Why, as the mapper's reason codes (`in-scope`, `role-resolved`, `unassigned`, `soft-deleted`,
   * `account-disabled`, …); empty when the producer could not read them.
   */
  reasons: z.array(z.string()),
  /** The provisioning action behind it, and how the Salesforce user was found. */
  action: CommandAction,
  linkedBy: z.enum(['created', 'matched', 'link', 'none']),
  commandId: z.string().min(1),
  changeId: ChangeId,
  /** When Salesforce was written (the result's `completedAt`). */
  occurredAt: Timestamp,
});
export type LifecycleEventV1 = z.infer<typeof LifecycleEventV1>;
