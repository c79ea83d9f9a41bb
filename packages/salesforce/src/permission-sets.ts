import { assignRows, mainError, type RowKind, type RowsClient, salesforceNames } from './assignment-rows.ts';
import { salesforceError } from './classify.ts';
import type { AssignPermissionSetsOptions, PermissionSetChange, PermissionSetResult } from './types.ts';

export type { NamedSet } from './assignment-rows.ts';

/** The query of users' explicit permission-set assignments. */
export const PERMISSION_SET_ASSIGNMENT_QUERY =
  'SELECT Id, AssigneeId, PermissionSetId, PermissionSet.Name, PermissionSet.IsOwnedByProfile, PermissionSetGroupId FROM PermissionSetAssignment';

/**
 * Permission sets (PermissionSetAssignment rows with a PermissionSetId) by name, case-insensitively.
 * Profile-owned sets come with the profile and a permission set group's rows with the group: neither
 * is Provision's to add or remove here.
 */
export function permissionSetKind(names: Pick<RowKind<string>, 'catalogue' | 'forget'>): RowKind<string> {
  return {
    query: PERMISSION_SET_ASSIGNMENT_QUERY,
    userField: 'AssigneeId',
    heldOf: (row) => {
      if (row['PermissionSet.IsOwnedByProfile'] === true) return undefined;
      if (typeof row['PermissionSetGroupId'] === 'string' && row['PermissionSetGroupId'] !== '') return undefined;
      const name = String(row['PermissionSet.Name'] ?? '');
      return name === '' ? undefined : name;
    },
    ...salesforceNames(names),
    record: (userId, set) => ({ AssigneeId: userId, PermissionSetId: set.id }),
    unknown: (name) =>
      salesforceError('SalesforceUnknownPermissionSet', `No assignable permission set named '${name}' in the org`, [
        'PermissionSets',
      ]),
    targetField: 'PermissionSetId',
    // A set deleted since the list was read: Salesforce's own refusal is reported.
    deletedIsUnknown: false,
  };
}

/**
 * Adds and removes permission-set assignments for many users with few calls: the set list (cached
 * by the client), one query of the users' assignments (none for new users), Collections inserts and
 * deletes of up to 200 rows. Adding what a user holds and removing what it lacks send nothing.
 */
export async function assignPermissionSets(
  client: RowsClient,
  kind: RowKind<string>,
  changes: readonly PermissionSetChange[],
  options: AssignPermissionSetsOptions = {},
): Promise<PermissionSetResult[]> {
  return assignNames(client, kind, changes, options, 'SalesforceUnknownPermissionSet');
}

/**
 * Adds and removes rows of a kind whose references are names (permission sets, permission set
 * groups, permission set licences): `before` and `after` sorted; the main error is a refusal of a
 * record before an unknown name (`unknownCode`).
 */
export async function assignNames(
  client: RowsClient,
  kind: RowKind<string>,
  changes: readonly PermissionSetChange[],
  options: AssignPermissionSetsOptions,
  unknownCode: string,
): Promise<PermissionSetResult[]> {
  const outcomes = await assignRows(client, kind, changes, options);
  return outcomes.map((o): PermissionSetResult => {
    const error = mainError(o.errors, unknownCode);
    if (!error) return { ok: true, userId: o.userId, before: sorted(o.before), after: sorted(o.after) };
    if (o.failedEarly) return { ok: false, userId: o.userId, error, errors: o.errors };
    return { ok: false, userId: o.userId, before: sorted(o.before), after: sorted(o.after), error, errors: o.errors };
  });
}

function sorted(names: readonly string[]): string[] {
  return [...names].sort();
}
