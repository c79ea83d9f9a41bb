import { z } from 'zod';

/** An Entra object id (a GUID), the key of every topic. */
export const ObjectId = z.string().min(1).max(64).describe('Entra object id (GUID)');

/** ISO-8601 UTC timestamp. */
export const Timestamp = z.iso.datetime({ offset: true }).describe('ISO-8601 timestamp');

/** A value Provision can carry for a Salesforce or Entra attribute. */
export const AttributeValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);
export type AttributeValue = z.infer<typeof AttributeValue>;

/** One changed property, as Entra's provisioning log shows it (`modifiedProperties`). */
export const ModifiedProperty = z.object({
  name: z.string().min(1),
  oldValue: AttributeValue.optional(),
  newValue: AttributeValue.optional(),
});
export type ModifiedProperty = z.infer<typeof ModifiedProperty>;

/** Ties every event, command and result of one change together, from Graph to Salesforce. */
export const ChangeId = z.string().min(1).max(128).describe('Id of the directory change that caused this');

/** A signed-in caller of Provision's API: a person (user) or an application (client credentials). */
export const Initiator = z.object({
  kind: z.enum(['user', 'app']),
  /** Entra object id of the user, or of the app's service principal. */
  id: z.string().min(1),
  /** How to show them: `Name <upn>` for a person, the app's name or client id for an app. */
  name: z.string(),
});
export type Initiator = z.infer<typeof Initiator>;
