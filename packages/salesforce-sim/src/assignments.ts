import { type SaveError, type SaveResult, saveError } from './errors.ts';
import { removeGroupMember, restoreGroupMember } from './group-members.ts';
import { isIdShaped, to18 } from './ids.ts';
import type { Org, Row } from './org.ts';
import { GROUP_MEMBER, PERMISSION_SET_ASSIGNMENT } from './schema.ts';
import { assignPermissionSet } from './seed.ts';
import type { WriteOutcome } from './users.ts';

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** The 18-character id of a reference value, or the SaveError Salesforce gives for it. */
function reference(value: unknown, field: string, label: string, exists: (id: string) => boolean): string | SaveError {
  const id = typeof value === 'string' && isIdShaped(value) ? to18(value) : undefined;
  if (!id) return saveError('MALFORMED_ID', `${label}: id value of incorrect type: ${String(value)}`, [field]);
  if (!exists(id)) {
    return saveError('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [field]);
  }
  return id;
}

/**
 * Inserts one PermissionSetAssignment: both references must exist, the set must not be a profile's
 * own, and a user holds a set once (DUPLICATE_VALUE naming the existing assignment, as Salesforce does).
 */
export function createAssignment(org: Org, values: Row): WriteOutcome {
  const readOnly = Object.keys(values).filter((name) => name !== 'AssigneeId' && name !== 'PermissionSetId');
  if (readOnly.length > 0) {
    return {
      ok: false,
      errors: [
        saveError(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field ` +
            'and verify that it is read/write for your profile or permission set.',
          readOnly,
        ),
      ],
    };
  }
  const missing = ['AssigneeId', 'PermissionSetId'].filter((f) => isBlank(values[f]));
  if (missing.length > 0) {
    return {
      ok: false,
      errors: [saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing)],
    };
  }
  const assignee = reference(values['AssigneeId'], 'AssigneeId', 'Assignee ID', (id) => org.users.has(id));
  const permissionSet = reference(values['PermissionSetId'], 'PermissionSetId', 'Permission Set ID', (id) =>
    org.permissionSets.has(id),
  );
  const errors = [assignee, permissionSet].filter((r): r is SaveError => typeof r !== 'string');
  if (errors.length > 0) return { ok: false, errors };
  const userId = assignee as string;
  const psId = permissionSet as string;
  if (org.permissionSets.get(psId)?.['IsOwnedByProfile'] === true) {
    // A profile's own permission set comes with the profile; it cannot be assigned on its own.
    return {
      ok: false,
      errors: [saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['PermissionSetId'])],
    };
  }
  for (const existing of org.assignmentsByUser.get(userId) ?? []) {
    if (org.assignments.get(existing)?.['PermissionSetId'] === psId) {
      return {
        ok: false,
        errors: [
          saveError(
            'DUPLICATE_VALUE',
            `duplicate value found: <unknown> duplicates value on record with id: ${existing}`,
          ),
        ],
      };
    }
  }
  const id = assignPermissionSet(org, userId, psId);
  return { ok: true, id, undo: () => removeAssignment(org, id) };
}

/** Removes an assignment; returns the row, or undefined when there is none. */
export function removeAssignment(org: Org, id: string): Row | undefined {
  const row = org.assignments.get(id);
  if (!row) return undefined;
  org.assignments.delete(id);
  const userId = row['AssigneeId'] as string;
  const ofUser = org.assignmentsByUser.get(userId);
  ofUser?.delete(id);
  if (ofUser?.size === 0) org.assignmentsByUser.delete(userId);
  return row;
}

/**
 * Deletes one record by id, as a Collections delete reports it. Only PermissionSetAssignment and
 * GroupMember are deletable here: Users are deactivated, never deleted; setup objects are not provisioning's to delete.
 */
export function deleteRecord(org: Org, rawId: string): SaveResult & { readonly undo?: () => void } {
  const id = isIdShaped(rawId) ? to18(rawId) : undefined;
  if (!id) return { id: rawId, success: false, errors: [saveError('MALFORMED_ID', `malformed id ${rawId}`, [])] };
  if (id.startsWith(GROUP_MEMBER.keyPrefix)) {
    const row = removeGroupMember(org, id);
    if (!row) return { id, success: false, errors: [saveError('ENTITY_IS_DELETED', 'entity is deleted', [])] };
    return { id, success: true, errors: [], undo: () => restoreGroupMember(org, row) };
  }
  if (!id.startsWith(PERMISSION_SET_ASSIGNMENT.keyPrefix)) {
    const type = id.startsWith('005') ? 'User' : 'this entity';
    return {
      id,
      success: false,
      errors: [saveError('INVALID_TYPE_FOR_OPERATION', `entity type ${type} does not support delete`, [])],
    };
  }
  const row = removeAssignment(org, id);
  if (!row) return { id, success: false, errors: [saveError('ENTITY_IS_DELETED', 'entity is deleted', [])] };
  const restore = (): void => {
    org.assignments.set(id, row);
    const userId = row['AssigneeId'] as string;
    const ofUser = org.assignmentsByUser.get(userId) ?? new Set<string>();
    ofUser.add(id);
    org.assignmentsByUser.set(userId, ofUser);
  };
  return { id, success: true, errors: [], undo: restore };
}
