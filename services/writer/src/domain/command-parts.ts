import type { ProvisioningCommandV1, ProvisioningResultV1, ResultError } from '@provision/events';
import type { SalesforceFailure } from './ports.ts';
import { recommendedActionFor } from './recommended-actions.ts';

// Salesforce stores these lower-cased; matching on them is case-insensitive.
const CASE_INSENSITIVE = new Set(['Username', 'Email']);

/** The form a matching value is compared in. */
export function matchKey(attribute: string, value: string): string {
  return CASE_INSENSITIVE.has(attribute) ? value.toLowerCase() : value;
}

/** A command an admin waits for (provisioned on demand): handed over and flushed ahead of a sync's backlog. */
export function isUrgent(command: ProvisioningCommandV1): boolean {
  return command.origin === 'on-demand';
}

/** The attribute and value an unlinked user is matched with: the command's, else its Username. */
export function matchingOf(command: ProvisioningCommandV1): { attribute: string; value: string } | null {
  if (command.matching && command.matching.value !== '') return command.matching;
  const username = command.fields['Username'];
  return typeof username === 'string' && username !== '' ? { attribute: 'Username', value: username } : null;
}

/**
 * The value the matching attribute had before this change (`modifiedProperties` old value): a user
 * whose Username changed while its link was lost is still found under the old one.
 */
export function previousValueOf(command: ProvisioningCommandV1, attribute: string): string | undefined {
  const old = command.modifiedProperties.find((p) => p.name === attribute)?.oldValue;
  return typeof old === 'string' && old !== '' ? old : undefined;
}

/** Items in slices of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A classified Salesforce failure as the result's error, with what the admin can do. */
export function failureToError(failure: SalesforceFailure): ResultError {
  return {
    code: failure.code,
    message: failure.message,
    retriable: failure.retriable,
    fields: [...failure.fields],
    recommendedAction: recommendedActionFor(failure.code, failure.salesforceCode, failure.message),
  };
}

/** The command without the fields the directory cannot write (they would fail the whole record). */
export function withoutFields(command: ProvisioningCommandV1, unsupported: ReadonlySet<string>): ProvisioningCommandV1 {
  if (!Object.keys(command.fields).some((f) => unsupported.has(f))) return command;
  return {
    ...command,
    fields: Object.fromEntries(Object.entries(command.fields).filter(([f]) => !unsupported.has(f))),
  };
}

/**
 * A success that left fields out because the directory cannot write them is a `warning`, as Entra's
 * log says when a user was provisioned with caveats. (The gateway writes every field the mapper
 * sends, `UserRoleName` included, and permission sets: this is for directories that cannot.)
 */
export function withWarnings(
  command: ProvisioningCommandV1,
  result: ProvisioningResultV1,
  unsupported: ReadonlySet<string>,
): ProvisioningResultV1 {
  if (result.status !== 'success') return result;
  const fields = Object.keys(command.fields).filter((f) => unsupported.has(f));
  if (fields.length === 0) return result;
  return {
    ...result,
    status: 'warning',
    error: {
      code: 'SalesforcePartiallyApplied',
      message: `The user was provisioned, but not written: ${fields.join(', ')} (not supported by this Salesforce directory)`,
      retriable: false,
      fields,
      recommendedAction: recommendedActionFor('SalesforcePartiallyApplied'),
    },
  };
}
