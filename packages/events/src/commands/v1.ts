import { z } from 'zod';
import { AttributeValue, ChangeId, Initiator, ModifiedProperty, ObjectId, Timestamp } from '../common.ts';

/** `provisioning.commands.v1` — what the mapper decided Salesforce should become, keyed by Entra user id. */
export const CommandAction = z.enum(['create', 'update', 'disable', 'reactivate', 'skip']);
export type CommandAction = z.infer<typeof CommandAction>;

export const Reason = z.object({
  /** Stable, machine-readable (`in-scope`, `unassigned`, `soft-deleted`, `role-conflict`, …). */
  code: z.string().min(1),
  message: z.string(),
  /** `info` explains, `warning` flags a value Salesforce would likely refuse, `error` blocks the user. */
  severity: z.enum(['info', 'warning', 'error']).optional(),
  /** The Salesforce field concerned, when there is one. */
  field: z.string().optional(),
});
export type Reason = z.infer<typeof Reason>;

/** A public group (`Group.Type = 'Regular'`) or a queue (`'Queue'`), by DeveloperName. */
export const GroupRef = z.object({ type: z.enum(['publicGroup', 'queue']), name: z.string().min(1) });
export type GroupRef = z.infer<typeof GroupRef>;

export const ProvisioningCommandV1 = z.object({
  commandId: z.string().min(1),
  changeId: ChangeId,
  userId: ObjectId,
  action: CommandAction,
  /**
   * The desired Salesforce fields: for create, all of them; for update and reactivate, every field
   * kept in step (the writer writes only those that differ in Salesforce, so a later command also
   * repairs what an earlier, failed one left behind); for disable, the disabling field.
   */
  fields: z.record(z.string(), AttributeValue),
  /**
   * Update and reactivate: the fields to create the user with should Salesforce hold none (a
   * create that failed, or was overtaken by this command while in flight). Absent in older commands.
   */
  createFields: z.record(z.string(), AttributeValue).optional(),
  modifiedProperties: z.array(ModifiedProperty),
  /** How the writer finds an existing Salesforce user before creating one. */
  matching: z.object({ attribute: z.string().min(1), value: z.string() }).nullable(),
  /**
   * The durable link, when the mapping declares one: the Salesforce field that holds the Entra
   * object id (`value`, this command's `userId`). The writer finds the user by it before the
   * matching attribute, and writes it on the users it creates or matches. Absent in older commands
   * and when the mapping declares no link.
   */
  link: z.object({ field: z.string().min(1), value: z.string().min(1) }).optional(),
  /**
   * Disable only the Salesforce user linked to this Entra user (by a stored link or the link
   * field), never one the matching attribute alone finds: the mapper lost its memory of whether it
   * provisioned the user, and a pre-existing Salesforce user Provision never managed must be left as
   * is. Absent means false.
   */
  linkedOnly: z.boolean().optional(),
  reasons: z.array(Reason),
  /** Permission sets to assign and to remove (Provision removes only what it granted). */
  permissionSets: z.object({ add: z.array(z.string()), remove: z.array(z.string()) }).default({ add: [], remove: [] }),
  /**
   * Public groups and queues (GroupMember, by the Group's DeveloperName) the user joins and leaves.
   * Under `entitlementModes.groupMembership: merge` only memberships Provision granted are removed;
   * under `authoritative`, any of a group the mapping names. Absent in older commands: none.
   */
  groupMemberships: z.object({ add: z.array(GroupRef), remove: z.array(GroupRef) }).optional(),
  /**
   * Permission set groups (PermissionSetGroup DeveloperNames) to assign and remove; removals follow
   * `entitlementModes.permissionSetGroups` as group memberships do. Absent in older commands: none.
   */
  permissionSetGroups: z.object({ add: z.array(z.string()), remove: z.array(z.string()) }).optional(),
  /**
   * Permission set licences (PermissionSetLicense DeveloperNames) to assign and remove; removals follow
   * `entitlementModes.permissionSetLicenses`. Absent in older commands: none.
   */
  permissionSetLicenses: z.object({ add: z.array(z.string()), remove: z.array(z.string()) }).optional(),
  /** The Salesforce user this Entra user is linked to, when the mapper knows it. */
  salesforceId: z.string().nullable().optional(),
  /** Preview only: the writer reports what it would do, and writes nothing. */
  dryRun: z.boolean().default(false),
  /** `sync` for the continuous flow; `on-demand` when an admin provisioned one user. */
  origin: z.enum(['sync', 'on-demand']).default('sync'),
  /**
   * Who asked for it, when a person or an application did: the admin who provisioned the user on
   * demand or released the deactivation guard, as their Entra ID token named them. Absent for the sync.
   */
  initiatedBy: Initiator.optional(),
  issuedAt: Timestamp,
});
export type ProvisioningCommandV1 = z.infer<typeof ProvisioningCommandV1>;
