import { type SaveError, type SaveResult, saveError } from './errors.ts';
import { isIdShaped, to18 } from './ids.ts';
import type { Org, Row } from './org.ts';
import { GROUP_MEMBER, PERMISSION_SET_ASSIGNMENT, PERMISSION_SET_LICENSE_ASSIGN } from './schema.ts';

/**
 * A junction object between a user and what it is granted (PermissionSetAssignment, GroupMember,
 * PermissionSetLicenseAssign): its rows by id and, for the user field, by user. Rows are created
 * and deleted, never updated.
 */
export interface Junction {
  readonly keyPrefix: string;
  readonly rows: Map<string, Row>;
  readonly byUser: Map<string, Set<string>>;
  readonly userField: string;
}

/** The org's junction objects. */
export function junctions(org: Org): readonly Junction[] {
  return [
    {
      keyPrefix: PERMISSION_SET_ASSIGNMENT.keyPrefix,
      rows: org.assignments,
      byUser: org.assignmentsByUser,
      userField: 'AssigneeId',
    },
    {
      keyPrefix: GROUP_MEMBER.keyPrefix,
      rows: org.groupMembers,
      byUser: org.groupMembersByUser,
      userField: 'UserOrGroupId',
    },
    {
      keyPrefix: PERMISSION_SET_LICENSE_ASSIGN.keyPrefix,
      rows: org.licenceAssignments,
      byUser: org.licenceAssignmentsByUser,
      userField: 'AssigneeId',
    },
  ];
}

/** The junction whose key prefix the id carries. */
export function junctionOf(org: Org, id: string): Junction | undefined {
  return junctions(org).find((j) => id.startsWith(j.keyPrefix));
}

/** The junction of one object, by key prefix. */
export function junction(org: Org, keyPrefix: string): Junction {
  return junctions(org).find((j) => j.keyPrefix === keyPrefix)!;
}

/** Inserts a row (its Id and SystemModstamp made here); returns the id. */
export function addRow(org: Org, j: Junction, fields: Row): string {
  const Id = org.ids.next(j.keyPrefix);
  restoreRow(j, { Id, ...fields, SystemModstamp: new Date().toISOString().replace('Z', '+0000') });
  return Id;
}

/** Puts a row back (or in), indexed by its user. */
export function restoreRow(j: Junction, row: Row): void {
  const id = row['Id'] as string;
  j.rows.set(id, row);
  const userId = row[j.userField] as string;
  let ofUser = j.byUser.get(userId);
  if (!ofUser) {
    ofUser = new Set();
    j.byUser.set(userId, ofUser);
  }
  ofUser.add(id);
}

/** Removes a row; returns it, or undefined when there is none. */
export function removeRow(j: Junction, id: string): Row | undefined {
  const row = j.rows.get(id);
  if (!row) return undefined;
  j.rows.delete(id);
  const userId = row[j.userField] as string;
  const ofUser = j.byUser.get(userId);
  ofUser?.delete(id);
  if (ofUser?.size === 0) j.byUser.delete(userId);
  return row;
}

/** The rows a user holds. */
export function rowsOf(j: Junction, userId: string): Row[] {
  return [...(j.byUser.get(userId) ?? [])].flatMap((id) => {
    const row = j.rows.get(id);
    return row ? [row] : [];
  });
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * What Salesforce refuses of an insert before looking anything up: a field that cannot be written
 * (INVALID_FIELD_FOR_INSERT_UPDATE), then the required ones missing (REQUIRED_FIELD_MISSING).
 */
export function fieldErrors(values: Row, writable: readonly string[], required: readonly string[]): SaveError[] {
  const readOnly = Object.keys(values).filter((name) => !writable.includes(name));
  if (readOnly.length > 0) {
    return [
      saveError(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field ` +
          'and verify that it is read/write for your profile or permission set.',
        readOnly,
      ),
    ];
  }
  const missing = required.filter((f) => isBlank(values[f]));
  if (missing.length > 0)
    return [saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing)];
  return [];
}

/** The 18-character id of a reference value, or the SaveError Salesforce gives for it. */
export function reference(
  value: unknown,
  field: string,
  label: string,
  exists: (id: string) => boolean,
): string | SaveError {
  const id = typeof value === 'string' && isIdShaped(value) ? to18(value) : undefined;
  if (!id) return saveError('MALFORMED_ID', `${label}: id value of incorrect type: ${String(value)}`, [field]);
  if (!exists(id)) return saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [field]);
  return id;
}

/** DUPLICATE_VALUE naming the user's existing row that `same` matches, as Salesforce does; else undefined. */
export function duplicate(j: Junction, userId: string, same: (row: Row) => boolean): SaveError | undefined {
  const existing = rowsOf(j, userId).find(same);
  if (!existing) return undefined;
  return saveError(
    'DUPLICATE_VALUE',
    `duplicate value found: <unknown> duplicates value on record with id: ${String(existing['Id'])}`,
  );
}

/**
 * Deletes one record by id, as a Collections delete reports it. Only junction rows are deletable
 * here: Users are deactivated, never deleted; setup objects are not provisioning's to delete.
 */
export function deleteRecord(org: Org, rawId: string): SaveResult & { readonly undo?: () => void } {
  const id = isIdShaped(rawId) ? to18(rawId) : undefined;
  if (!id) return { id: rawId, success: false, errors: [saveError('MALFORMED_ID', `malformed id ${rawId}`, [])] };
  const j = junctionOf(org, id);
  if (!j) {
    const type = id.startsWith('005') ? 'User' : 'this entity';
    return {
      id,
      success: false,
      errors: [saveError('INVALID_TYPE_FOR_OPERATION', `entity type ${type} does not support delete`, [])],
    };
  }
  const row = removeRow(j, id);
  if (!row) return { id, success: false, errors: [saveError('ENTITY_IS_DELETED', 'entity is deleted', [])] };
  return { id, success: true, errors: [], undo: () => restoreRow(j, row) };
}
