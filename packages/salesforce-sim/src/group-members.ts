import { type SaveError, saveError } from './errors.ts';
import { isIdShaped, to18 } from './ids.ts';
import type { Org, Row } from './org.ts';
import { GROUP_MEMBER } from './schema.ts';
import type { WriteOutcome } from './users.ts';

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function reference(value: unknown, field: string, label: string, exists: (id: string) => boolean): string | SaveError {
  const id = typeof value === 'string' && isIdShaped(value) ? to18(value) : undefined;
  if (!id) return saveError('MALFORMED_ID', `${label}: id value of incorrect type: ${String(value)}`, [field]);
  if (!exists(id)) return saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [field]);
  return id;
}

/** Makes a user a direct member of a group or queue; returns the GroupMember id. */
export function addGroupMember(org: Org, userId: string, groupId: string): string {
  const Id = org.ids.next(GROUP_MEMBER.keyPrefix);
  org.groupMembers.set(Id, {
    Id,
    GroupId: groupId,
    UserOrGroupId: userId,
    SystemModstamp: new Date().toISOString().replace('Z', '+0000'),
  });
  restoreIndex(org, userId, Id);
  return Id;
}

function restoreIndex(org: Org, userId: string, id: string): void {
  let ofUser = org.groupMembersByUser.get(userId);
  if (!ofUser) {
    ofUser = new Set();
    org.groupMembersByUser.set(userId, ofUser);
  }
  ofUser.add(id);
}

/**
 * Inserts one GroupMember: the group must exist (a public group or queue of this org) and the
 * member be a user of it; a user is a member once (DUPLICATE_VALUE naming the existing row).
 * Nested groups as members are not modelled: a group id as UserOrGroupId is a cross-reference error.
 */
export function createGroupMember(org: Org, values: Row): WriteOutcome {
  const readOnly = Object.keys(values).filter((name) => name !== 'GroupId' && name !== 'UserOrGroupId');
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
  const missing = ['GroupId', 'UserOrGroupId'].filter((f) => isBlank(values[f]));
  if (missing.length > 0) {
    return {
      ok: false,
      errors: [saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing)],
    };
  }
  const group = reference(values['GroupId'], 'GroupId', 'Group ID', (id) => org.groups.has(id));
  const member = reference(values['UserOrGroupId'], 'UserOrGroupId', 'User/Group ID', (id) => org.users.has(id));
  const errors = [group, member].filter((r): r is SaveError => typeof r !== 'string');
  if (errors.length > 0) return { ok: false, errors };
  const userId = member as string;
  for (const existing of org.groupMembersByUser.get(userId) ?? []) {
    if (org.groupMembers.get(existing)?.['GroupId'] === group) {
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
  const id = addGroupMember(org, userId, group as string);
  return { ok: true, id, undo: () => removeGroupMember(org, id) };
}

/** Removes a membership; returns the row, or undefined when there is none. */
export function removeGroupMember(org: Org, id: string): Row | undefined {
  const row = org.groupMembers.get(id);
  if (!row) return undefined;
  org.groupMembers.delete(id);
  const userId = row['UserOrGroupId'] as string;
  const ofUser = org.groupMembersByUser.get(userId);
  ofUser?.delete(id);
  if (ofUser?.size === 0) org.groupMembersByUser.delete(userId);
  return row;
}

/** Puts a removed membership back (an allOrNone delete undone). */
export function restoreGroupMember(org: Org, row: Row): void {
  const id = row['Id'] as string;
  org.groupMembers.set(id, row);
  restoreIndex(org, row['UserOrGroupId'] as string, id);
}
