import type { LifecycleEventV1, LifecycleType, ProvisioningResultV1 } from '@provision/events';

/**
 * The mapper's reasons that mean the person left Entra — deleted there (`soft-deleted`, which the
 * mapper also gives a hard-deleted user) or their account disabled — as opposed to losing access
 * while still there (unassigned, Default Access only, filtered out of scope).
 */
export const LEAVER_REASONS: ReadonlySet<string> = new Set(['soft-deleted', 'account-disabled']);

/** Whether a result can give a lifecycle event at all (so only those need the command's reasons). */
export function changesAccess(result: ProvisioningResultV1): boolean {
  return (
    !result.dryRun &&
    (result.status === 'success' || result.status === 'warning') &&
    result.salesforceId !== null &&
    result.action !== 'skip' &&
    (result.action !== 'update' || result.linkedBy === 'created' || result.modifiedProperties.length > 0)
  );
}

/**
 * The lifecycle event a result gives, or null when it changed nobody's access (a failure, a skip, a
 * dry run, an update that wrote nothing). Pure and deterministic: the same result and reasons give
 * the same event, with the same `eventId`, so a redelivered result republishes it unchanged.
 *
 * - written by creating a Salesforce user (`linkedBy: created`, whatever the action) → `joiner`;
 * - `create` that found an existing user (matched, or by its link), or `reactivate` → `provisioned`;
 * - `update` of a linked user that changed fields → `mover`;
 * - `disable` → `leaver` when the command's reasons say the person left Entra, else
 *   `deprovisioned` (also when the reasons are unknown: `reasons` null).
 */
export function lifecycleEventOf(
  result: ProvisioningResultV1,
  reasons: readonly string[] | null,
): LifecycleEventV1 | null {
  if (!changesAccess(result) || result.salesforceId === null) return null;
  const type = typeOf(result, reasons ?? []);
  return {
    eventId: `${result.commandId}:lifecycle`,
    type,
    userId: result.userId,
    salesforceId: result.salesforceId,
    active: result.action !== 'disable',
    changes: result.modifiedProperties,
    reasons: [...(reasons ?? [])],
    action: result.action,
    linkedBy: result.linkedBy,
    commandId: result.commandId,
    changeId: result.changeId,
    occurredAt: result.completedAt,
  };
}

function typeOf(result: ProvisioningResultV1, reasons: readonly string[]): LifecycleType {
  if (result.action === 'disable') return reasons.some((r) => LEAVER_REASONS.has(r)) ? 'leaver' : 'deprovisioned';
  if (result.linkedBy === 'created') return 'joiner';
  return result.action === 'update' ? 'mover' : 'provisioned';
}

/** What starts and stops the lifecycle stream (the Kafka adapter; absent in tests that need none). */
export interface LifecycleStream {
  /** Resolves once its consumer joined its group. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Reads the mapper's reason codes of a command from the log; null while the command is not recorded. */
export interface CommandReasons {
  reasonsOf(commandId: string): Promise<string[] | null>;
}
