import type { SaveError } from './errors.ts';
import { addRow, duplicate, fieldErrors, junction, reference, removeRow, restoreRow } from './junction.ts';
import type { Org, Row } from './org.ts';
import { GROUP_MEMBER } from './schema.ts';
import type { WriteOutcome } from './users.ts';

const members = (org: Org) => junction(org, GROUP_MEMBER.keyPrefix);

/** Makes a user a direct member of a group or queue; returns the GroupMember id. */
export function addGroupMember(org: Org, userId: string, groupId: string): string {
  return addRow(org, members(org), { GroupId: groupId, UserOrGroupId: userId });
}

/**
 * Inserts one GroupMember: the group must exist (a public group or queue of this org) and the
 * member be a user of it; a user is a member once (DUPLICATE_VALUE naming the existing row).
 * Nested groups as members are not modelled: a group id as UserOrGroupId is a cross-reference error.
 */
export function createGroupMember(org: Org, values: Row): WriteOutcome {
  const invalid = fieldErrors(values, ['GroupId', 'UserOrGroupId'], ['GroupId', 'UserOrGroupId']);
  if (invalid.length > 0) return { ok: false, errors: invalid };
  const group = reference(values['GroupId'], 'GroupId', 'Group ID', (id) => org.groups.has(id));
  const member = reference(values['UserOrGroupId'], 'UserOrGroupId', 'User/Group ID', (id) => org.users.has(id));
  const errors = [group, member].filter((r): r is SaveError => typeof r !== 'string');
  if (errors.length > 0) return { ok: false, errors };
  const userId = member as string;
  const taken = duplicate(members(org), userId, (row) => row['GroupId'] === group);
  if (taken) return { ok: false, errors: [taken] };
  const id = addGroupMember(org, userId, group as string);
  return { ok: true, id, undo: () => removeGroupMember(org, id) };
}

/** Removes a membership; returns the row, or undefined when there is none. */
export function removeGroupMember(org: Org, id: string): Row | undefined {
  return removeRow(members(org), id);
}

/** Puts a removed membership back (an allOrNone delete undone). */
export function restoreGroupMember(org: Org, row: Row): void {
  restoreRow(members(org), row);
}
