// The oracle: what Salesforce must hold, computed from the final tenant with its own small reading of
// the default mapping (packages/mapping/config/default-mapping.yaml), never with the mapper's code,
// and compared with what the Salesforce org holds.
//
// Its reading of the default mapping:
//   scope      assigned to the app directly or through a group the user is a direct member of, with
//              a role other than "Default Access"; accountEnabled true; not soft-deleted; no scoping
//              filter. Two distinct roles are a conflict: Provision leaves the user as it is.
//   Username   ← userPrincipalName (also the matching attribute), compared case-insensitively
//   IsActive   true in scope; a user that leaves the scope is deactivated (deprovisioning: deactivate)
//   ProfileId  the profile named by the app role (SingleAppRoleAssignment)
//   FirstName  ← givenName, LastName ← surname, Email ← mail (an Email change waits in pendingEmail)

/** An Entra user as the oracle reads it. */
export interface TenantUser {
  id: string;
  upn: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  accountEnabled: boolean;
  softDeleted: boolean;
}

/** A live group (not deleted) and its direct members. */
export interface TenantGroup {
  id: string;
  name: string;
  members: readonly string[];
}

/** A visible app-role assignment; `role` null is "Default Access". */
export interface TenantAssignment {
  principalId: string;
  principalType: 'User' | 'Group';
  role: string | null;
}

/** The final tenant: users (soft-deleted ones included), live groups, visible assignments. */
export interface TenantView {
  users: readonly TenantUser[];
  groups: readonly TenantGroup[];
  assignments: readonly TenantAssignment[];
}

/** What happened during the run that the final tenant no longer shows. */
export interface RunHistory {
  /** Every UPN each Entra user had during the run (the current one need not be listed). */
  upns: ReadonlyMap<string, readonly string[]>;
  /** Users deleted permanently during the run: whatever Salesforce user they had must not stay active. */
  hardDeleted: ReadonlyMap<string, { upn: string; mail: string | null }>;
  /** Entra ids of the users that existed in Salesforce before Provision started. */
  preexisting: ReadonlySet<string>;
  /**
   * Of those, the ones Provision matched: in scope when the run started (the initial sync links
   * them). The others are never linked: Provision must leave them exactly as they are.
   */
  matchedPreexisting: ReadonlySet<string>;
}

/** A Salesforce user as the oracle reads it (the org admin's view). */
export interface OrgUser {
  id: string;
  username: string;
  email: string | null;
  pendingEmail: string | null;
  firstName: string | null;
  lastName: string | null;
  isActive: boolean;
  profile: string | null;
}

export type RoleResolution =
  | { kind: 'unassigned' }
  | { kind: 'default-access' }
  | { kind: 'role'; role: string; via: string[] }
  | { kind: 'conflict'; roles: string[] };

/** What the final tenant implies for one Entra user. */
export type Expectation =
  | {
      kind: 'in-scope';
      role: string;
      /** Where the role comes from: `direct` and/or `group <name>`. */
      via: string[];
      fields: { Username: string; FirstName: string | null; LastName: string | null; Email: string | null };
    }
  | { kind: 'out-of-scope'; reasons: string[] }
  | { kind: 'conflict'; roles: string[] };

export type Category = 'duplicate' | 'missing' | 'wrong' | 'stale' | 'refused';

/** One user that is not as the tenant implies, with what differs. */
export interface Finding {
  category: Category;
  userId: string;
  upn: string;
  expected: Expectation;
  /** Every Salesforce user that belongs to this Entra user (by any UPN it had, or by its mail). */
  salesforce: OrgUser[];
  differences: { field: string; expected: unknown; actual: unknown }[];
  note: string;
}

export interface OracleCounts {
  duplicates: number;
  missing: number;
  wrong: number;
  stale: number;
  /**
   * In scope, but the tenant asks for what Salesforce never does: moving a Salesforce user to a
   * Chatter Free profile (its licence cannot go down). Not a failure when the log says so.
   */
  refused: number;
  /** Salesforce users that belong to no Entra user (neither by username nor by email): created for nobody. */
  unattributed: number;
  /** Not checked: two distinct roles, Provision leaves such a user as it is. */
  conflicts: number;
  inScope: number;
  outOfScope: number;
  hardDeleted: number;
}

export interface OracleResult {
  counts: OracleCounts;
  findings: Finding[];
  unattributed: OrgUser[];
}

/** Who holds which assignment, and who is a direct member of which group: built once per tenant view. */
interface RoleIndex {
  /** Roles by principal (user or group id); null is Default Access. */
  byPrincipal: Map<string, (string | null)[]>;
  groupsOf: Map<string, string[]>;
  groupNames: Map<string, string>;
}

const indexes = new WeakMap<TenantView, RoleIndex>();

function roleIndex(tenant: TenantView): RoleIndex {
  let index = indexes.get(tenant);
  if (index) return index;
  index = { byPrincipal: new Map(), groupsOf: new Map(), groupNames: new Map() };
  for (const a of tenant.assignments) {
    index.byPrincipal.set(a.principalId, [...(index.byPrincipal.get(a.principalId) ?? []), a.role]);
  }
  for (const g of tenant.groups) {
    index.groupNames.set(g.id, g.name);
    for (const m of g.members) index.groupsOf.set(m, [...(index.groupsOf.get(m) ?? []), g.id]);
  }
  indexes.set(tenant, index);
  return index;
}

/** The user's roles through its own assignments and those of the groups it is a direct member of. */
export function resolveRole(userId: string, tenant: TenantView): RoleResolution {
  const index = roleIndex(tenant);
  const relevant = [
    ...(index.byPrincipal.get(userId) ?? []).map((role) => ({ role, via: 'direct' })),
    ...(index.groupsOf.get(userId) ?? []).flatMap((g) =>
      (index.byPrincipal.get(g) ?? []).map((role) => ({ role, via: `group ${index.groupNames.get(g) ?? g}` })),
    ),
  ];
  if (relevant.length === 0) return { kind: 'unassigned' };
  const roles = [...new Set(relevant.flatMap((a) => (a.role === null ? [] : [a.role])))].sort();
  if (roles.length === 0) return { kind: 'default-access' };
  if (roles.length > 1) return { kind: 'conflict', roles };
  const role = roles[0] as string;
  return { kind: 'role', role, via: relevant.filter((a) => a.role === role).map((a) => a.via) };
}

/** What the final tenant implies for a user (undefined: deleted permanently). */
export function expectationOf(user: TenantUser | undefined, tenant: TenantView): Expectation {
  if (user === undefined) return { kind: 'out-of-scope', reasons: ['hard-deleted'] };
  const reasons: string[] = [];
  if (user.softDeleted) reasons.push('soft-deleted');
  if (!user.accountEnabled) reasons.push('disabled');
  const role = resolveRole(user.id, tenant);
  if (role.kind === 'unassigned') reasons.push('unassigned');
  if (role.kind === 'default-access') reasons.push('default-access');
  if (reasons.length > 0) return { kind: 'out-of-scope', reasons };
  if (role.kind === 'conflict') return { kind: 'conflict', roles: role.roles };
  if (role.kind !== 'role') return { kind: 'out-of-scope', reasons: ['unassigned'] };
  return {
    kind: 'in-scope',
    role: role.role,
    via: role.via,
    fields: { Username: user.upn, FirstName: user.givenName, LastName: user.surname, Email: user.mail },
  };
}

const lower = (s: string | null | undefined) => (s ?? '').toLowerCase();

/**
 * Compares the org with the final tenant: every Entra user (and every one deleted during the run)
 * with the Salesforce users that belong to it, by any UPN it had or by its mail.
 * `ignoreUsernames`: Salesforce users that are nobody's (the integration admin).
 * `chatterFreeProfiles`: the org's profiles of the Chatter Free licence, which a user of another
 * licence cannot move to (Salesforce Help, "Chatter Free Licenses").
 */
export function checkConvergence(
  tenant: TenantView,
  history: RunHistory,
  org: readonly OrgUser[],
  ignoreUsernames: readonly string[] = [],
  chatterFreeProfiles: ReadonlySet<string> = new Set(),
): OracleResult {
  const ignored = new Set(ignoreUsernames.map(lower));
  const users = org.filter((u) => !ignored.has(lower(u.username)));
  const byUsername = new Map<string, OrgUser[]>();
  const byEmail = new Map<string, OrgUser[]>();
  const index = (map: Map<string, OrgUser[]>, key: string, u: OrgUser) => {
    if (key !== '') map.set(key, [...(map.get(key) ?? []), u]);
  };
  for (const u of users) {
    index(byUsername, lower(u.username), u);
    index(byEmail, lower(u.email), u);
    if (lower(u.pendingEmail) !== lower(u.email)) index(byEmail, lower(u.pendingEmail), u);
  }
  const attributed = new Set<string>();
  const findings: Finding[] = [];
  const counts: OracleCounts = {
    duplicates: 0,
    missing: 0,
    wrong: 0,
    stale: 0,
    refused: 0,
    unattributed: 0,
    conflicts: 0,
    inScope: 0,
    outOfScope: 0,
    hardDeleted: history.hardDeleted.size,
  };
  const identities: { id: string; upn: string; mail: string | null; user: TenantUser | undefined }[] = [
    ...tenant.users.map((u) => ({ id: u.id, upn: u.upn, mail: u.mail, user: u })),
    ...[...history.hardDeleted].map(([id, d]) => ({ id, upn: d.upn, mail: d.mail, user: undefined })),
  ];
  for (const identity of identities) {
    const names = new Set([lower(identity.upn), ...(history.upns.get(identity.id) ?? []).map(lower)]);
    const mine = new Map<string, OrgUser>();
    for (const name of names) for (const u of byUsername.get(name) ?? []) mine.set(u.id, u);
    for (const u of byEmail.get(lower(identity.mail)) ?? []) mine.set(u.id, u);
    const salesforce = [...mine.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const u of salesforce) attributed.add(u.id);
    const expected = expectationOf(identity.user, tenant);
    const finding = (category: Category, note: string, differences: Finding['differences'] = []) => {
      findings.push({ category, userId: identity.id, upn: identity.upn, expected, salesforce, differences, note });
      counts[category === 'duplicate' ? 'duplicates' : category] += 1;
    };
    if (salesforce.length > 1) {
      finding('duplicate', `${salesforce.length} Salesforce users for one Entra user`);
    }
    if (expected.kind === 'conflict') {
      counts.conflicts += 1;
      continue;
    }
    const active = salesforce.filter((u) => u.isActive);
    const preexisting = history.preexisting.has(identity.id);
    if (expected.kind === 'in-scope') {
      counts.inScope += 1;
      if (active.length === 0) {
        finding(
          'missing',
          salesforce.length === 0
            ? 'in scope, but no Salesforce user'
            : 'in scope, but its Salesforce user is inactive',
        );
        continue;
      }
      const best = active.find((u) => lower(u.username) === lower(identity.upn)) ?? (active[0] as OrgUser);
      const differences = fieldDifferences(expected, best);
      const licenceDown =
        chatterFreeProfiles.has(expected.role) && best.profile !== null && !chatterFreeProfiles.has(best.profile);
      if (licenceDown && differences.length === 1 && differences[0]?.field === 'ProfileName') {
        finding(
          'refused',
          'in scope, but Salesforce does not move a user of another licence to Chatter Free',
          differences,
        );
      } else if (differences.length > 0) finding('wrong', 'in scope and active, but fields differ', differences);
      continue;
    }
    if (identity.user !== undefined) counts.outOfScope += 1;
    if (preexisting && !history.matchedPreexisting.has(identity.id)) {
      // Never in scope, never linked: Provision must not have touched it (Entra does the same).
      const touched = salesforce.filter((u) => !u.isActive);
      if (touched.length > 0) {
        finding('wrong', 'out of scope and never linked: it should have been left as it was (active)', [
          { field: 'IsActive', expected: true, actual: false },
        ]);
      }
      continue;
    }
    if (active.length > 0) {
      finding('stale', `out of scope (${expected.reasons.join(', ')}) but still active in Salesforce`, [
        { field: 'IsActive', expected: false, actual: true },
      ]);
    }
  }
  const unattributed = users.filter((u) => !attributed.has(u.id));
  counts.unattributed = unattributed.length;
  return { counts, findings, unattributed };
}

/** The checked fields that differ between what the tenant implies and the Salesforce user. */
export function fieldDifferences(
  expected: Extract<Expectation, { kind: 'in-scope' }>,
  u: OrgUser,
): Finding['differences'] {
  const out: Finding['differences'] = [];
  const { Username, FirstName, LastName, Email } = expected.fields;
  if (lower(u.username) !== lower(Username)) out.push({ field: 'Username', expected: Username, actual: u.username });
  if (u.profile !== expected.role) out.push({ field: 'ProfileName', expected: expected.role, actual: u.profile });
  // Entra never writes null: an attribute without a value leaves the field as it is.
  if (FirstName !== null && u.firstName !== FirstName)
    out.push({ field: 'FirstName', expected: FirstName, actual: u.firstName });
  if (LastName !== null && u.lastName !== LastName)
    out.push({ field: 'LastName', expected: LastName, actual: u.lastName });
  if (Email !== null && lower(u.email) !== lower(Email) && lower(u.pendingEmail) !== lower(Email))
    out.push({ field: 'Email', expected: Email, actual: u.pendingEmail ?? u.email });
  return out;
}
