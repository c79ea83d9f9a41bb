import { type SaveError, saveError } from './errors.ts';
import { duplicate, fieldErrors, junction, reference, removeRow } from './junction.ts';
import type { Org, Row } from './org.ts';
import { holdsLicence } from './permission-set-licences.ts';
import { PERMISSION_SET_ASSIGNMENT } from './schema.ts';
import { assignPermissionSet, assignPermissionSetGroup } from './seed.ts';
import type { WriteOutcome } from './users.ts';

export { deleteRecord } from './junction.ts';

const assignments = (org: Org) => junction(org, PERMISSION_SET_ASSIGNMENT.keyPrefix);

/** The permission set group's permission sets (its PermissionSetGroupComponents), by id. */
export function componentsOf(group: Row): string[] {
  return (group['_components'] as string[] | undefined) ?? [];
}

/** The licences the sets need that the user lacks, by id. */
function missingLicences(org: Org, userId: string, setIds: readonly string[]): string[] {
  return setIds
    .map((id) => org.permissionSets.get(id)?.['LicenseId'])
    .filter((l): l is string => typeof l === 'string' && l !== '' && !holdsLicence(org, userId, l));
}

/**
 * Inserts one PermissionSetAssignment, of a permission set (PermissionSetId) or of a permission set
 * group (PermissionSetGroupId). Both references must exist; a profile's own set cannot be assigned;
 * a group can be assigned only when its Status is Updated; a set (or a group's set) that needs a
 * permission set licence the user lacks is refused (FIELD_INTEGRITY_EXCEPTION, the Setup message);
 * a user holds a set or group once (DUPLICATE_VALUE naming the existing assignment).
 */
export function createAssignment(org: Org, values: Row): WriteOutcome {
  const invalid = fieldErrors(values, ['AssigneeId', 'PermissionSetId', 'PermissionSetGroupId'], ['AssigneeId']);
  if (invalid.length > 0) return { ok: false, errors: invalid };
  const byGroup = values['PermissionSetGroupId'] !== undefined && values['PermissionSetGroupId'] !== null;
  if (!byGroup && (values['PermissionSetId'] === undefined || values['PermissionSetId'] === null)) {
    return {
      ok: false,
      errors: [
        saveError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [PermissionSetId]', ['PermissionSetId']),
      ],
    };
  }
  const assignee = reference(values['AssigneeId'], 'AssigneeId', 'Assignee ID', (id) => org.users.has(id));
  const target = byGroup
    ? reference(values['PermissionSetGroupId'], 'PermissionSetGroupId', 'Permission Set Group ID', (id) =>
        org.permissionSetGroups.has(id),
      )
    : reference(values['PermissionSetId'], 'PermissionSetId', 'Permission Set ID', (id) => org.permissionSets.has(id));
  const errors = [assignee, target].filter((r): r is SaveError => typeof r !== 'string');
  if (errors.length > 0) return { ok: false, errors };
  const userId = assignee as string;
  const targetId = target as string;
  const refusal = byGroup ? groupRefusal(org, userId, targetId) : setRefusal(org, userId, targetId);
  if (refusal) return { ok: false, errors: [refusal] };
  const field = byGroup ? 'PermissionSetGroupId' : 'PermissionSetId';
  const taken = duplicate(assignments(org), userId, (row) => row[field] === targetId);
  if (taken) return { ok: false, errors: [taken] };
  const id = byGroup ? assignPermissionSetGroup(org, userId, targetId) : assignPermissionSet(org, userId, targetId);
  return { ok: true, id, undo: () => removeAssignment(org, id) };
}

function setRefusal(org: Org, userId: string, psId: string): SaveError | undefined {
  const set = org.permissionSets.get(psId)!;
  // A profile's own permission set comes with the profile; it cannot be assigned on its own.
  if (set['IsOwnedByProfile'] === true)
    return saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['PermissionSetId']);
  if (missingLicences(org, userId, [psId]).length > 0) {
    return saveError(
      'FIELD_INTEGRITY_EXCEPTION',
      `Can't assign permission set ${String(set['Name'])} to user ${String(org.users.get(userId)?.['Username'])}. ` +
        'The permission set contains an object that requires a license. Before continuing, assign the user to the related permission set license.',
      ['PermissionSetId'],
    );
  }
  return undefined;
}

function groupRefusal(org: Org, userId: string, groupId: string): SaveError | undefined {
  const group = org.permissionSetGroups.get(groupId)!;
  if (group['Status'] !== 'Updated') {
    return saveError(
      'FIELD_INTEGRITY_EXCEPTION',
      'You can only assign users to permission set groups that have the "Updated" status.',
      ['PermissionSetGroupId'],
    );
  }
  if (missingLicences(org, userId, componentsOf(group)).length > 0) {
    return saveError(
      'FIELD_INTEGRITY_EXCEPTION',
      `Can't assign permission set group ${String(group['DeveloperName'])} to user ${String(org.users.get(userId)?.['Username'])}. ` +
        'A permission set in the group requires a license. Before continuing, assign the user to the related permission set license.',
      ['PermissionSetGroupId'],
    );
  }
  return undefined;
}

/** Removes an assignment; returns the row, or undefined when there is none. */
export function removeAssignment(org: Org, id: string): Row | undefined {
  return removeRow(assignments(org), id);
}
