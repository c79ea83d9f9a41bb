import { assignRows, mainError, type RowKind, type RowsClient } from './assignment-rows.ts';
import { salesforceError } from './classify.ts';
import type {
  AssignPermissionSetsOptions,
  GroupMembershipChange,
  GroupMembershipResult,
  GroupMemberships,
  GroupRef,
} from './types.ts';

type Rec = Record<string, unknown>;

/** The query of a user's direct memberships of public groups and queues (other group types left out). */
export const GROUP_MEMBER_QUERY = 'SELECT Id, UserOrGroupId, GroupId, Group.DeveloperName, Group.Type FROM GroupMember';

const keyOf = (g: GroupRef) => `${g.type}:${g.name.toLowerCase()}`;
const label = (g: GroupRef) => `${g.type === 'queue' ? 'queue' : 'public group'} '${g.name}'`;
const FIELD = { publicGroup: 'PublicGroups', queue: 'Queues' } as const;

/** A membership row's group, or undefined for group types other than public groups and queues. */
export function groupOfRow(row: Rec): GroupRef | undefined {
  const type = row['Group.Type'] === 'Queue' ? 'queue' : row['Group.Type'] === 'Regular' ? 'publicGroup' : undefined;
  const name = String(row['Group.DeveloperName'] ?? '');
  return type && name !== '' ? { type, name } : undefined;
}

/** Memberships as sorted DeveloperNames by type. */
export function membershipsOf(groups: Iterable<GroupRef>): GroupMemberships {
  const list = [...groups];
  const names = (type: GroupRef['type']) =>
    list
      .filter((g) => g.type === type)
      .map((g) => g.name)
      .sort();
  return { publicGroups: names('publicGroup'), queues: names('queue') };
}

/** Public groups and queues (GroupMember rows), by `type:lower-cased DeveloperName`. */
export function groupMemberKind(names: Pick<RowKind<GroupRef>, 'catalogue' | 'forget'>): RowKind<GroupRef> {
  return {
    query: GROUP_MEMBER_QUERY,
    userField: 'UserOrGroupId',
    heldOf: groupOfRow,
    keyOf,
    catalogue: names.catalogue,
    forget: names.forget,
    record: (userId, group) => ({ GroupId: group.id, UserOrGroupId: userId }),
    canonical: (ref, group) => ({ type: ref.type, name: group.name }),
    unknown: (ref, deleted) =>
      salesforceError(
        'SalesforceUnknownGroup',
        deleted ? `The ${label(ref)} no longer exists in the org` : `No ${label(ref)} (Group DeveloperName) in the org`,
        [FIELD[ref.type]],
      ),
    targetField: 'GroupId',
    deletedIsUnknown: true,
  };
}

/**
 * Adds and removes GroupMember rows for many users with few calls: the group list (cached by the
 * client), one query of the users' memberships (none for new users), Collections inserts and deletes
 * of up to 200 rows. Joining a group the user is in and leaving one it is not in send nothing.
 */
export async function assignGroupMemberships(
  client: RowsClient,
  kind: RowKind<GroupRef>,
  changes: readonly GroupMembershipChange[],
  options: AssignPermissionSetsOptions = {},
): Promise<GroupMembershipResult[]> {
  const outcomes = await assignRows(client, kind, changes, options);
  return outcomes.map((o): GroupMembershipResult => {
    const error = mainError(o.errors, 'SalesforceUnknownGroup');
    const before = membershipsOf(o.before);
    const after = membershipsOf(o.after);
    if (!error) return { ok: true, userId: o.userId, before, after };
    if (o.failedEarly) return { ok: false, userId: o.userId, error, errors: o.errors };
    return { ok: false, userId: o.userId, before, after, error, errors: o.errors };
  });
}
