import { salesforceError } from './classify.ts';
import type {
  AssignPermissionSetsOptions,
  PermissionSetChange,
  PermissionSetResult,
  SalesforceError,
} from './types.ts';

/** One kind of entitlement granted by name in the in-memory org (permission sets, groups, licences). */
export interface NameKind {
  /** The names the org has. */
  readonly catalogue: readonly string[];
  /** What each user id holds (changed in place unless dry run). */
  readonly heldBy: Map<string, Set<string>>;
  hasUser(id: string): boolean;
  /** The failure of a name the org lacks. */
  unknown(name: string): SalesforceError;
  /** A refusal of an add the org would turn down (no licence left), or undefined. */
  refuse?(name: string): SalesforceError | undefined;
}

/**
 * Adds and removes names for each change, as the gateway does: names match case-insensitively and
 * are reported as the org spells them; added and removed in one change, the add wins; an unknown or
 * refused name fails the user after the rest was applied.
 */
export function assignNames(
  kind: NameKind,
  changes: readonly PermissionSetChange[],
  options: AssignPermissionSetsOptions,
): PermissionSetResult[] {
  return changes.map((change): PermissionSetResult => {
    const held = kind.heldBy.get(change.userId) ?? new Set<string>();
    const before = [...held].sort();
    const next = new Set(held);
    const errors: SalesforceError[] = [];
    if (!kind.hasUser(change.userId) && change.add.length > 0) {
      errors.push(salesforceError('SalesforceInvalidValue', 'invalid cross reference id', ['AssigneeId']));
    } else {
      for (const name of change.add) {
        const found = kind.catalogue.find((p) => p.toLowerCase() === name.toLowerCase());
        const refusal = found && !next.has(found) ? kind.refuse?.(found) : undefined;
        if (!found) errors.push(kind.unknown(name));
        else if (refusal) errors.push(refusal);
        else next.add(found);
      }
    }
    for (const name of change.remove) {
      if (!change.add.some((a) => a.toLowerCase() === name.toLowerCase()))
        for (const h of next) if (h.toLowerCase() === name.toLowerCase()) next.delete(h);
    }
    if (!options.dryRun) kind.heldBy.set(change.userId, next);
    const after = [...next].sort();
    if (errors.length === 0) return { ok: true, userId: change.userId, before, after };
    return { ok: false, userId: change.userId, before, after, error: errors[0]!, errors };
  });
}
