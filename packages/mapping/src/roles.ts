import type { MappingConfig } from './config/schema.ts';
import type { AppRoleAssignment, EntraUser } from './types.ts';

/** The app role id Entra gives "Default Access" (the implicit role of an app without roles). */
export const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000';

/** Where a role comes from: `direct assignment` or `group "Sales" (id)`. */
export type RoleSource = string;

/** What the user's assignments to the app amount to. */
export type RoleResolution =
  /** Not assigned, directly or through a group the user is a direct member of. */
  | { readonly kind: 'unassigned' }
  /** Assigned, but only with "Default Access", which is not a Salesforce profile. */
  | { readonly kind: 'default-access'; readonly via: readonly RoleSource[] }
  | {
      readonly kind: 'role';
      readonly role: string;
      readonly via: readonly RoleSource[];
      /** Under `multipleRoles.policy: precedence`: the other roles the user holds, which lost. */
      readonly overruled?: readonly HeldRole[];
    }
  /** Two or more distinct roles: Entra's SingleAppRoleAssignment supports only one. */
  | { readonly kind: 'conflict'; readonly roles: readonly HeldRole[]; readonly message: string }
  /** Two or more distinct roles under `multipleRoles.policy: refuse`: the user is out of scope. */
  | { readonly kind: 'refused'; readonly roles: readonly HeldRole[]; readonly message: string };

export interface HeldRole {
  readonly role: string;
  readonly via: readonly RoleSource[];
}

/** The mapping's answer to two profiles requested (`multipleRoles`). */
export type MultipleRolesPolicy = MappingConfig['multipleRoles'];

const REPORT_CONFLICT: MultipleRolesPolicy = { policy: 'conflict', precedence: [] };

/** True for Entra's "Default Access": no role value, the all-zero role id, or the name itself. */
export function isDefaultAccess(a: AppRoleAssignment): boolean {
  return (
    a.roleValue === null ||
    a.roleValue.trim() === '' ||
    a.roleValue === 'Default Access' ||
    a.appRoleId === DEFAULT_ACCESS_ROLE_ID
  );
}

/** The assignments that count for this user: its own, and those of groups it is a direct member of. */
export function effectiveAssignments(user: EntraUser, assignments: readonly AppRoleAssignment[]): AppRoleAssignment[] {
  const groups = new Set(user.memberOf);
  return assignments.filter((a) =>
    a.principalType === 'User' ? a.principalId === user.id : groups.has(a.principalId),
  );
}

/**
 * The user's direct and group assignments → one role (the Salesforce profile name). Nested groups
 * are not expanded (Entra doesn't): `memberOf` must hold direct memberships only. "Default Access"
 * next to a real role is ignored; the same role through several paths is one role. Two distinct
 * roles are settled by `policy` (default: reported as a conflict, as Entra does).
 */
export function resolveRole(
  user: EntraUser,
  assignments: readonly AppRoleAssignment[],
  policy: MultipleRolesPolicy = REPORT_CONFLICT,
): RoleResolution {
  const relevant = effectiveAssignments(user, assignments);
  if (relevant.length === 0) return { kind: 'unassigned' };
  const byRole = new Map<string, RoleSource[]>();
  const defaults: RoleSource[] = [];
  for (const a of relevant) {
    const via = describeSource(a);
    if (isDefaultAccess(a)) defaults.push(via);
    else byRole.set(a.roleValue as string, [...(byRole.get(a.roleValue as string) ?? []), via]);
  }
  // Sorted so that the conflict message (and so the decision) does not depend on input order.
  const roles = [...byRole.entries()]
    .map(([role, via]) => ({ role, via: [...via].sort() }))
    .sort((a, b) => (a.role < b.role ? -1 : a.role > b.role ? 1 : 0));
  const [first, ...others] = roles;
  if (!first) return { kind: 'default-access', via: defaults.sort() };
  if (others.length === 0) return { kind: 'role', role: first.role, via: first.via };
  return settle(roles, policy);
}

function settle(roles: readonly HeldRole[], policy: MultipleRolesPolicy): RoleResolution {
  if (policy.policy === 'refuse') {
    return {
      kind: 'refused',
      roles,
      message:
        `${heldList(roles)}: the mapping refuses users holding more than one app role (multipleRoles.policy: refuse), ` +
        'so the user is out of scope until one role remains',
    };
  }
  if (policy.policy === 'precedence') {
    const rank = (r: HeldRole) => policy.precedence.indexOf(r.role);
    const listed = roles.filter((r) => rank(r) >= 0).sort((a, b) => rank(a) - rank(b));
    const [winner] = listed;
    if (winner) {
      return { kind: 'role', role: winner.role, via: winner.via, overruled: roles.filter((r) => r !== winner) };
    }
    return {
      kind: 'conflict',
      roles,
      message: `${conflictMessage(roles)} None of these roles is in multipleRoles.precedence, so none can win.`,
    };
  }
  return { kind: 'conflict', roles, message: conflictMessage(roles) };
}

function heldList(roles: readonly HeldRole[]): string {
  const listed = roles.map((r) => `"${r.role}" (${r.via.join(', ')})`);
  const last = listed.pop();
  return `The user has more than one app role assigned to the application: ${listed.join(', ')} and ${last}`;
}

function describeSource(a: AppRoleAssignment): RoleSource {
  if (a.principalType === 'User') return 'direct assignment';
  return a.principalDisplayName ? `group "${a.principalDisplayName}" (${a.principalId})` : `group ${a.principalId}`;
}

function conflictMessage(roles: readonly HeldRole[]): string {
  return (
    `${heldList(roles)}. ` +
    'The Salesforce attribute mapping supports provisioning only one role (SingleAppRoleAssignment): ' +
    'a member of a group assigned one role cannot also hold a different role directly or through another group.'
  );
}
