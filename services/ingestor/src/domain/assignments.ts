import type { RoleRef } from '@provision/events';
import type { AppRole, Assignment, DirectorySource } from './ports.ts';

/** The app role id of an assignment without a specific role ("Default Access"). */
export const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000';

export interface AssignmentDiff {
  readonly added: readonly Assignment[];
  readonly removed: readonly Assignment[];
}

/** Only users and groups hold roles that reach Salesforce; service principals are ignored. */
export function isPersonAssignment(assignment: Assignment): boolean {
  return assignment.principalType === 'User' || assignment.principalType === 'Group';
}

/** One full listing of the app's assignments held by users and groups, by id. */
export async function listPersonAssignments(
  source: DirectorySource,
  signal?: AbortSignal,
): Promise<Map<string, Assignment>> {
  const listed = new Map<string, Assignment>();
  for await (const page of source.assignments()) {
    signal?.throwIfAborted();
    for (const assignment of page) if (isPersonAssignment(assignment)) listed.set(assignment.id, assignment);
  }
  return listed;
}

/** Whether two snapshots hold the same assignments (same ids, principals and roles). */
export function sameAssignments(
  previous: ReadonlyMap<string, Assignment>,
  current: ReadonlyMap<string, Assignment>,
): boolean {
  if (previous.size !== current.size) return false;
  for (const [id, now] of current) {
    const before = previous.get(id);
    if (!before || !sameAssignment(before, now)) return false;
  }
  return true;
}

/**
 * What changed between two snapshots of the app's assignments. Graph cannot change an
 * assignment's role in place, but should an id come back with another principal or role, it
 * counts as the old one removed and the new one added.
 */
export function diffAssignments(
  previous: ReadonlyMap<string, Assignment>,
  current: ReadonlyMap<string, Assignment>,
): AssignmentDiff {
  const added: Assignment[] = [];
  const removed: Assignment[] = [];
  for (const [id, now] of current) {
    const before = previous.get(id);
    if (!before) added.push(now);
    else if (!sameAssignment(before, now)) {
      removed.push(before);
      added.push(now);
    }
  }
  for (const [id, before] of previous) if (!current.has(id)) removed.push(before);
  return { added, removed };
}

function sameAssignment(a: Assignment, b: Assignment): boolean {
  return a.principalId === b.principalId && a.principalType === b.principalType && a.appRoleId === b.appRoleId;
}

/** Looks up role values by id; "Default Access" and unknown roles have no value. */
export function roleResolver(roles: readonly AppRole[]): (appRoleId: string) => RoleRef {
  const values = new Map(roles.map((role) => [role.id.toLowerCase(), role.value]));
  return (appRoleId) => ({
    appRoleId,
    roleValue: appRoleId === DEFAULT_ACCESS_ROLE_ID ? null : (values.get(appRoleId.toLowerCase()) ?? null),
  });
}

/** Each group's roles, from the assignments held by groups. */
export function groupRolesOf(
  assignments: Iterable<Assignment>,
  roleOf: (appRoleId: string) => RoleRef,
): Map<string, RoleRef[]> {
  const out = new Map<string, RoleRef[]>();
  for (const assignment of assignments) {
    if (assignment.principalType !== 'Group') continue;
    const list = out.get(assignment.principalId) ?? [];
    if (!list.some((role) => role.appRoleId === assignment.appRoleId)) list.push(roleOf(assignment.appRoleId));
    out.set(assignment.principalId, list);
  }
  return out;
}
