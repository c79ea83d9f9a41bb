import { z } from 'zod';
import { CommandAction } from '../commands/v1.ts';
import { ChangeId, ModifiedProperty, ObjectId, Timestamp } from '../common.ts';

/** `provisioning.results.v1` — one result per command, as Entra's provisioning log records it. */
export const ResultStatus = z.enum(['success', 'failure', 'skipped', 'warning']);
export type ResultStatus = z.infer<typeof ResultStatus>;

export const ResultError = z.object({
  /** Entra-style code admins know: `SalesforceDuplicateUserName`, `SalesforceLicenseLimitExceeded`, … */
  code: z.string().min(1),
  message: z.string(),
  retriable: z.boolean(),
  fields: z.array(z.string()).default([]),
  /** What an admin can do about it. */
  recommendedAction: z.string().optional(),
});
export type ResultError = z.infer<typeof ResultError>;

export const ProvisioningResultV1 = z.object({
  commandId: z.string().min(1),
  changeId: ChangeId,
  userId: ObjectId,
  action: CommandAction,
  status: ResultStatus,
  salesforceId: z.string().nullable(),
  /** How the Salesforce user was found: created now, matched by attribute, or the stored link. */
  linkedBy: z.enum(['created', 'matched', 'link', 'none']).default('none'),
  error: ResultError.nullable(),
  modifiedProperties: z.array(ModifiedProperty),
  dryRun: z.boolean().default(false),
  attempt: z.number().int().positive(),
  startedAt: Timestamp,
  completedAt: Timestamp,
  durationMs: z.number().int().nonnegative(),
});
export type ProvisioningResultV1 = z.infer<typeof ProvisioningResultV1>;
