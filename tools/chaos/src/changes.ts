// The tenant changes, made the way an admin makes them (the graph simulator's admin operations):
// targets are picked from the tenant as it is when the change happens, with the seeded random
// stream, and never so that the outcome would depend on timing (see `eligible`).

import {
  type AppRoleAssignment,
  DEFAULT_ACCESS_ROLE_ID,
  type GraphSim,
  SALESFORCE_PROFILES,
} from '@provision/graph-sim';
import { expectationOf, resolveRole, type TenantUser, type TenantView } from './oracle.ts';
import type { Random } from './random.ts';
import type { ChangeKind } from './schedule.ts';
import { readTenant } from './views.ts';

const GIVEN = ['Aiko', 'Bruno', 'Cleo', 'Dmitri', 'Esme', 'Farid', 'Greta', 'Hugo', 'Ilse', 'Jonas', 'Kemal', 'Lina'];
const SURNAMES = ['Abara', 'Brandt', 'Costa', 'Dahl', 'Eze', 'Foster', 'Gruber', 'Hale', 'Iqbal', 'Jovanovic'];
const TITLES = ['Account Executive', 'Support Lead', 'Analyst', 'Engineer II', 'Team Lead', 'Consultant'];

/** What the run must remember that the final tenant no longer shows (the oracle's `RunHistory`, growing). */
export interface MutableHistory {
  upns: Map<string, string[]>;
  hardDeleted: Map<string, { upn: string; mail: string | null }>;
  preexisting: Set<string>;
  matchedPreexisting: Set<string>;
}

/** One change as it happened (or why it could not). */
export interface ChangeRecord {
  atMs: number;
  kind: ChangeKind;
  userId?: string;
  upn?: string;
  detail?: string;
  skipped?: string;
}

/**
 * The history at the start: every user's UPN, which users already exist in Salesforce, and which of
 * those Provision will match (in scope now: the initial sync links them).
 */
export function initialHistory(tenant: TenantView, preexistingUsernames: readonly string[]): MutableHistory {
  const names = new Set(preexistingUsernames.map((u) => u.toLowerCase()));
  const history: MutableHistory = {
    upns: new Map(),
    hardDeleted: new Map(),
    preexisting: new Set(),
    matchedPreexisting: new Set(),
  };
  for (const user of tenant.users) {
    history.upns.set(user.id, [user.upn.toLowerCase()]);
    if (!names.has(user.upn.toLowerCase())) continue;
    history.preexisting.add(user.id);
    if (expectationOf(user, tenant).kind === 'in-scope') history.matchedPreexisting.add(user.id);
  }
  return history;
}

interface Index {
  roleName(appRoleId: string): string;
  direct(userId: string): AppRoleAssignment[];
  roleGroups: { id: string; role: string; members: Set<string> }[];
  groupRoles(userId: string): Set<string>;
}

/** Applies planned changes to the simulated tenant. */
export class ChangeStream {
  readonly #graph: GraphSim;
  readonly #random: Random;
  readonly #history: MutableHistory;
  readonly #linked: (userId: string) => boolean;
  #created = 0;

  /**
   * `linked` says whether a user that already existed in Salesforce has been matched (the audit
   * logged it): only then may it change, or whether Provision linked it would depend on timing.
   * Pre-existing users that were out of scope at the start are never changed.
   */
  constructor(graph: GraphSim, random: Random, history: MutableHistory, linked: (userId: string) => boolean) {
    this.#graph = graph;
    this.#random = random;
    this.#history = history;
    this.#linked = linked;
  }

  apply(kind: ChangeKind, atMs: number): ChangeRecord {
    const tenant = readTenant(this.#graph);
    try {
      const outcome = this.#apply(kind, tenant);
      return 'skipped' in outcome ? { atMs, kind, skipped: outcome.skipped } : { atMs, kind, ...outcome };
    } catch (error) {
      return { atMs, kind, skipped: `the simulator refused: ${(error as Error).message}` };
    }
  }

  #eligible(user: TenantUser): boolean {
    if (!this.#history.preexisting.has(user.id)) return true;
    return this.#history.matchedPreexisting.has(user.id) && this.#linked(user.id);
  }

  /** A user matching `filter`, in scope with probability `inScopeShare` when there is one. */
  #pickUser(tenant: TenantView, filter: (u: TenantUser) => boolean, inScopeShare = 0.8): TenantUser | undefined {
    const candidates = tenant.users.filter((u) => this.#eligible(u) && filter(u));
    const inScope = candidates.filter((u) => expectationOf(u, tenant).kind === 'in-scope');
    const pool = inScope.length > 0 && this.#random.chance(inScopeShare) ? inScope : candidates;
    return this.#random.pick(pool);
  }

  /** The tenant's assignments indexed for one change: by user, and the groups that hold a real role. */
  #index(tenant: TenantView): Index {
    const roles = new Map(this.#graph.tenant.application.appRoles.map((r) => [r.id, r.value]));
    const direct = new Map<string, AppRoleAssignment[]>();
    const roleGroups: { id: string; role: string; members: Set<string> }[] = [];
    const members = new Map(tenant.groups.map((g) => [g.id, new Set(g.members)]));
    for (const a of this.#graph.tenant.visibleAssignments()) {
      if (a.principalType === 'User') direct.set(a.principalId, [...(direct.get(a.principalId) ?? []), a]);
      else if (a.appRoleId !== DEFAULT_ACCESS_ROLE_ID && members.has(a.principalId)) {
        roleGroups.push({
          id: a.principalId,
          role: String(roles.get(a.appRoleId)),
          members: members.get(a.principalId)!,
        });
      }
    }
    return {
      roleName: (id) => String(roles.get(id)),
      direct: (userId) => direct.get(userId) ?? [],
      roleGroups,
      groupRoles: (userId) => new Set(roleGroups.filter((g) => g.members.has(userId)).map((g) => g.role)),
    };
  }

  #apply(kind: ChangeKind, tenant: TenantView): Omit<ChangeRecord, 'atMs' | 'kind'> | { skipped: string } {
    const admin = this.#graph.admin;
    const index = this.#index(tenant);
    const live = (u: TenantUser) => !u.softDeleted;
    switch (kind) {
      case 'rename': {
        const user = this.#pickUser(tenant, live);
        if (!user) return { skipped: 'no user to rename' };
        const changes: Record<string, unknown> = { jobTitle: this.#random.pick(TITLES) };
        const givenName = this.#random.chance(0.5) ? `${this.#random.pick(GIVEN)}` : (user.givenName ?? 'Alex');
        const surname = `${this.#random.pick(SURNAMES)}-${this.#random.int(10, 99)}`;
        Object.assign(changes, { givenName, surname, displayName: `${givenName} ${surname}` });
        admin.updateUser(user.id, changes);
        return { userId: user.id, upn: user.upn, detail: `givenName ${givenName}, surname ${surname}` };
      }
      case 'change-upn': {
        const user = this.#pickUser(tenant, live, 1);
        if (!user) return { skipped: 'no user to give a new UPN' };
        const [local, domain] = user.upn.split('@') as [string, string];
        const upn = `${local.replace(/\.r\d+$/, '')}.r${this.#random.int(100, 999)}@${domain}`;
        admin.updateUser(user.id, { userPrincipalName: upn });
        this.#history.upns.set(user.id, [...(this.#history.upns.get(user.id) ?? []), upn.toLowerCase()]);
        return { userId: user.id, upn, detail: `userPrincipalName ${user.upn} → ${upn}` };
      }
      case 'disable':
      case 'enable': {
        const enable = kind === 'enable';
        const user = this.#pickUser(tenant, (u) => live(u) && u.accountEnabled !== enable, enable ? 0 : 0.8);
        if (!user) return { skipped: `no user to ${kind}` };
        admin.updateUser(user.id, { accountEnabled: enable });
        return { userId: user.id, upn: user.upn, detail: `accountEnabled ${enable}` };
      }
      case 'soft-delete': {
        const user = this.#pickUser(tenant, live);
        if (!user) return { skipped: 'no user to delete' };
        admin.softDelete('user', user.id);
        return { userId: user.id, upn: user.upn };
      }
      case 'restore': {
        const user = this.#pickUser(tenant, (u) => u.softDeleted, 0);
        if (!user) return { skipped: 'no soft-deleted user to restore' };
        admin.restore(user.id);
        return { userId: user.id, upn: user.upn };
      }
      case 'hard-delete': {
        const user = this.#pickUser(tenant, () => true);
        if (!user) return { skipped: 'no user to delete permanently' };
        admin.hardDelete('user', user.id);
        this.#history.hardDeleted.set(user.id, { upn: user.upn, mail: user.mail });
        return { userId: user.id, upn: user.upn, detail: user.softDeleted ? 'purged from deleted items' : 'deleted' };
      }
      case 'new-user': {
        const n = ++this.#created;
        const givenName = this.#random.pick(GIVEN) as string;
        const surname = this.#random.pick(SURNAMES) as string;
        const nickname = `chaos.${givenName}.${surname}.${n}${this.#random.int(100, 999)}`.toLowerCase();
        const upn = `${nickname}@${this.#graph.tenant.domain}`;
        const id = guid(this.#random);
        admin.createUser(
          {
            givenName,
            surname,
            displayName: `${givenName} ${surname}`,
            mail: upn,
            mailNickname: nickname,
            userPrincipalName: upn,
            jobTitle: this.#random.pick(TITLES),
            department: 'Sales',
            preferredLanguage: 'en-US',
          },
          id,
        );
        this.#history.upns.set(id, [upn]);
        const group = this.#random.chance(0.3) ? this.#random.pick(index.roleGroups) : undefined;
        if (group) {
          admin.addMember(group.id, id);
          return { userId: id, upn, detail: `created, member of a group with role ${group.role}` };
        }
        // The roles handed out are the tenant's app roles: profiles every org has licences for.
        const role = this.#random.pick(SALESFORCE_PROFILES) as string;
        admin.assign(id, role);
        return { userId: id, upn, detail: `created, assigned ${role}` };
      }
      case 'unassign': {
        const user = this.#pickUser(tenant, (u) => live(u) && index.direct(u.id).length > 0);
        const assignment = user && this.#random.pick(index.direct(user.id));
        if (!user || !assignment) return { skipped: 'no directly assigned user' };
        admin.unassign(assignment.id);
        return { userId: user.id, upn: user.upn, detail: `direct assignment removed` };
      }
      case 'change-role':
      case 'default-access': {
        const real = (userId: string) => index.direct(userId).filter((a) => a.appRoleId !== DEFAULT_ACCESS_ROLE_ID);
        // A role the user also holds through a group leaves one choice without a conflict: that role.
        const choices = (userId: string, from: string) => {
          const groupRoles = [...index.groupRoles(userId)];
          return (groupRoles.length > 0 ? groupRoles : [...SALESFORCE_PROFILES]).filter((r) => r !== from);
        };
        const user = this.#pickUser(tenant, (u) => {
          const held = real(u.id);
          if (!live(u) || held.length !== 1) return false;
          if (kind === 'change-role') return choices(u.id, index.roleName(held[0]?.appRoleId ?? '')).length > 0;
          // Default Access must not sit twice on one user (Graph refuses a duplicate assignment).
          return !index.direct(u.id).some((a) => a.appRoleId === DEFAULT_ACCESS_ROLE_ID);
        });
        const current = user && real(user.id)[0];
        if (!user || !current) return { skipped: 'no user with one direct role' };
        const from = index.roleName(current.appRoleId);
        const to = kind === 'change-role' ? (this.#random.pick(choices(user.id, from)) as string) : 'Default Access';
        admin.unassign(current.id);
        admin.assign(user.id, to);
        return { userId: user.id, upn: user.upn, detail: `role ${from} → ${to}` };
      }
      case 'add-to-group': {
        const group = this.#random.pick(index.roleGroups);
        if (!group) return { skipped: 'no group holds a role' };
        const user = this.#pickUser(tenant, (u) => {
          if (!live(u) || group.members.has(u.id)) return false;
          // No conflict: whatever real role the user already holds is the group's.
          const role = resolveRole(u.id, tenant);
          return role.kind !== 'conflict' && (role.kind !== 'role' || role.role === group.role);
        });
        if (!user) return { skipped: 'no user to add without a role conflict' };
        admin.addMember(group.id, user.id);
        return { userId: user.id, upn: user.upn, detail: `added to a group with role ${group.role}` };
      }
      case 'remove-from-group': {
        const group = this.#random.pick(index.roleGroups.filter((g) => g.members.size > 0));
        if (!group) return { skipped: 'no group with a role has members' };
        const user = this.#pickUser(tenant, (u) => live(u) && group.members.has(u.id));
        if (!user) return { skipped: 'no member that may be changed yet' };
        admin.removeMember(group.id, user.id);
        return { userId: user.id, upn: user.upn, detail: `removed from a group with role ${group.role}` };
      }
    }
  }
}

/** A version-4-shaped GUID from the seeded stream, so the same seed creates the same ids. */
function guid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => random.int(0, 15).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}
