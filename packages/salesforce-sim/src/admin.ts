import { removeAssignment } from './assignments.ts';
import { type FaultConfig, faultConfigProblem } from './faults.ts';
import { featureLicenceUsed } from './feature-licence-metrics.ts';
import { addGroupMember } from './group-members.ts';
import { to18 } from './ids.ts';
import { applyModelChange, type ModelChange, ModelError, type PerformanceModel } from './model.ts';
import { newSecurityToken, type Org, type OrgLoad, type OrgSettings, type Row } from './org.ts';
import { addUser, assignPermissionSet, type OrgCredentials, type OrgSeed, seedOrg, type UserSeed } from './seed.ts';
import {
  adminAssignGroup,
  adminAssignLicence,
  groupsAssigned,
  licenceCounts,
  licencesAssigned,
  setGroupStatus,
  setLicenceTotal,
} from './seed-entitlements.ts';
import type { SimState } from './state.ts';
import { DEACTIVATION_BLOCKERS, FEATURE_LICENCES, isDeactivationBlocker } from './user-rules.ts';
import { confirmEmail } from './users.ts';

/** A permission set group's Status: only `Updated` can be assigned. */
export type PermissionSetGroupStatus = 'Updated' | 'Outdated' | 'Updating' | 'Failed';
const PERMISSION_SET_GROUP_STATUSES: readonly PermissionSetGroupStatus[] = [
  'Updated',
  'Outdated',
  'Updating',
  'Failed',
];

/** A refusal by the admin API: HTTP status and reason. */
export class AdminError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'AdminError';
    this.status = status;
  }
}

export interface OrgSummary {
  orgId: string;
  name: string;
  edition: string;
  sandbox: boolean;
  apiEnabled: boolean;
  settings: OrgSettings;
  apiUsage: { used: number; limit: number };
  /**
   * Load as the org saw it since start (or `resetLoad`): the most requests in flight at once, the
   * most long-running ones (≥ `longRunningThresholdMs`), and the requests refused for each limit.
   */
  load: OrgLoad;
  licences: { id: string; name: string; total: number; used: number }[];
  /** Feature licences with a total (Setup's Company Information → Feature Licenses). */
  featureLicences: { field: string; label: string; total: number; used: number }[];
  profiles: { id: string; name: string; licence: string; apiEnabled: boolean; manageUsers: boolean }[];
  roles: { id: string; name: string }[];
  permissionSets: { id: string; name: string; label: string }[];
  /** Public groups and queues: id, DeveloperName and Type (`Regular` or `Queue`). */
  groups: { id: string; developerName: string; type: string }[];
  userCount: number;
  activeUserCount: number;
  pendingEmailChanges: number;
}

/** A user as the admin sees it: the record plus what the API does not show. */
export type AdminUser = Row & { pendingEmail: string | null; frozen: boolean };

export interface OrgChanges {
  settings?: Partial<OrgSettings>;
  apiEnabled?: boolean;
  /** Sets the requests already counted in the current 24-hour window. */
  apiUsed?: number;
  /** Licence name → new total. */
  licences?: Record<string, number>;
  /** Feature licences: `UserPermissions*` field → total (null: no longer limited). */
  featureLicences?: Record<string, number | null>;
}

/** The admin operations, shared by the HTTP admin API and the programmatic helpers. */
export class SimAdmin {
  readonly #state: SimState;

  constructor(state: SimState) {
    this.#state = state;
  }

  org(orgId: string): Org {
    const org = this.#state.registry.orgs.get(orgId);
    if (!org) throw new AdminError(404, `no org '${orgId}'`);
    return org;
  }

  /** Seeds a new org; returns its admin credentials and connected-app material. */
  async createOrg(seed: OrgSeed = {}): Promise<OrgCredentials> {
    try {
      return await seedOrg(this.#state.registry, seed);
    } catch (error) {
      throw new AdminError(400, (error as Error).message);
    }
  }

  listOrgs(): { orgId: string; name: string; userCount: number }[] {
    return [...this.#state.registry.orgs.values()].map((o) => ({ orgId: o.id, name: o.name, userCount: o.users.size }));
  }

  summary(orgId: string): OrgSummary {
    const org = this.org(orgId);
    let active = 0;
    for (const u of org.users.values()) if (u['IsActive'] === true) active++;
    return {
      orgId: org.id,
      name: org.name,
      edition: org.edition,
      sandbox: org.isSandbox,
      apiEnabled: org.apiEnabled,
      settings: { ...org.settings },
      apiUsage: org.apiUsage(),
      load: { ...org.load },
      licences: [...org.licences.values()].map((l) => ({
        id: l.Id,
        name: l.Name,
        total: l.TotalLicenses,
        used: l.UsedLicenses,
      })),
      featureLicences: [...org.featureLicences].map(([field, total]) => ({
        field,
        label: FEATURE_LICENCES[field] ?? field,
        total,
        used: featureLicenceUsed(org, field),
      })),
      profiles: [...org.profiles.values()].map((p) => ({
        id: p['Id'] as string,
        name: p['Name'] as string,
        licence: org.licences.get(p['UserLicenseId'] as string)?.Name ?? '',
        apiEnabled: p['PermissionsApiEnabled'] === true,
        manageUsers: p['PermissionsManageUsers'] === true,
      })),
      roles: [...org.roles.values()].map((r) => ({ id: r['Id'] as string, name: r['Name'] as string })),
      permissionSets: [...org.permissionSets.values()]
        .filter((p) => p['IsOwnedByProfile'] !== true)
        .map((p) => ({ id: p['Id'] as string, name: p['Name'] as string, label: p['Label'] as string })),
      groups: [...org.groups.values()].map((g) => ({
        id: g['Id'] as string,
        developerName: g['DeveloperName'] as string,
        type: g['Type'] as string,
      })),
      userCount: org.users.size,
      activeUserCount: active,
      pendingEmailChanges: org.pendingEmails.size,
    };
  }

  updateOrg(orgId: string, changes: OrgChanges): OrgSummary {
    const org = this.org(orgId);
    const known = new Set(['settings', 'apiEnabled', 'apiUsed', 'licences', 'featureLicences']);
    for (const key of Object.keys(changes)) if (!known.has(key)) throw new AdminError(400, `unknown change '${key}'`);
    if (changes.settings) {
      for (const [key, value] of Object.entries(changes.settings)) {
        if (!(key in org.settings)) throw new AdminError(400, `unknown setting '${key}'`);
        if (typeof value !== 'number' || value < 0) throw new AdminError(400, `setting '${key}' must be a number ≥ 0`);
        (org.settings as unknown as Record<string, number>)[key] = value;
      }
    }
    if (changes.apiEnabled !== undefined) org.apiEnabled = changes.apiEnabled === true;
    if (changes.apiUsed !== undefined) org.apiUsed = changes.apiUsed;
    for (const [name, total] of Object.entries(changes.licences ?? {})) {
      const licence = [...org.licences.values()].find((l) => l.Name.toLowerCase() === name.toLowerCase());
      if (!licence) throw new AdminError(400, `no licence '${name}'`);
      licence.TotalLicenses = total;
    }
    for (const [field, total] of Object.entries(changes.featureLicences ?? {})) {
      if (!Object.hasOwn(FEATURE_LICENCES, field)) {
        throw new AdminError(
          400,
          `no feature licence '${field}' (expected ${Object.keys(FEATURE_LICENCES).join(', ')})`,
        );
      }
      if (total === null) org.featureLicences.delete(field);
      else if (typeof total !== 'number' || !Number.isInteger(total) || total < 0) {
        throw new AdminError(400, `featureLicences.${field} must be an integer ≥ 0 or null`);
      } else org.featureLicences.set(field, total);
    }
    return this.summary(orgId);
  }

  /**
   * Makes Salesforce refuse to deactivate a user (`FIELD_INTEGRITY_EXCEPTION`), as a default lead or
   * case owner, the default workflow user or a user named in a hierarchy field is; null lifts it.
   */
  setDeactivationBlocker(
    orgId: string,
    userId: string,
    reason: string | null,
  ): { userId: string; reason: string | null } {
    const org = this.org(orgId);
    this.user(orgId, userId);
    const id = org.users.has(userId) ? userId : (to18(userId) ?? userId);
    if (reason === null) org.deactivationBlockers.delete(id);
    else if (!isDeactivationBlocker(reason)) {
      throw new AdminError(
        400,
        `reason must be one of ${Object.keys(DEACTIVATION_BLOCKERS).join(', ')} (got '${reason}')`,
      );
    } else org.deactivationBlockers.set(id, reason);
    return { userId: id, reason };
  }

  /** Starts the org's load figures (`summary().load`) afresh. */
  resetLoad(orgId: string): OrgLoad {
    return this.org(orgId).resetLoad();
  }

  /** The performance model in force (costs, contention). */
  model(): PerformanceModel {
    return structuredClone(this.#state.model);
  }

  /** Switches the performance model (`{ profile: 'realistic' }`) and/or overrides its parameters. */
  setModel(change: ModelChange): PerformanceModel {
    try {
      this.#state.model = applyModelChange(this.#state.model, change);
    } catch (error) {
      if (error instanceof ModelError) throw new AdminError(400, error.message);
      throw error;
    }
    return this.model();
  }

  /** The org's users, optionally only one username; each with its pending email and freeze flag. */
  users(orgId: string, filter: { username?: string } = {}): AdminUser[] {
    const org = this.org(orgId);
    const out: AdminUser[] = [];
    if (filter.username !== undefined) {
      const holder = this.#state.registry.usernames.get(filter.username.toLowerCase());
      if (holder?.org === org) out.push(this.user(orgId, holder.userId));
      return out;
    }
    for (const id of org.users.keys()) out.push(this.user(orgId, id));
    return out;
  }

  user(orgId: string, userId: string): AdminUser {
    const org = this.org(orgId);
    const user = org.users.get(userId);
    if (!user) throw new AdminError(404, `no user '${userId}' in org '${orgId}'`);
    return { ...user, pendingEmail: org.pendingEmails.get(userId) ?? null, frozen: org.frozen.has(userId) };
  }

  /** Adds users directly (existing users of the org); the org's rules still apply. Returns their ids. */
  addUsers(orgId: string, users: UserSeed[]): string[] {
    const org = this.org(orgId);
    const roles = new Map([...org.roles.values()].map((r) => [String(r['Name']).toLowerCase(), r['Id'] as string]));
    const permsets = new Map(
      [...org.permissionSets.values()].map((p) => [String(p['Name']).toLowerCase(), p['Id'] as string]),
    );
    return users.map((u) => {
      try {
        return addUser(this.#state.registry, org, roles, permsets, u);
      } catch (error) {
        throw new AdminError(400, (error as Error).message);
      }
    });
  }

  assignPermissionSet(orgId: string, userId: string, name: string): string {
    const org = this.org(orgId);
    this.user(orgId, userId);
    const ps = [...org.permissionSets.values()].find((p) => String(p['Name']).toLowerCase() === name.toLowerCase());
    if (!ps) throw new AdminError(400, `no permission set '${name}'`);
    return assignPermissionSet(org, userId, ps['Id'] as string);
  }

  /**
   * Makes a user a member of a public group or queue by DeveloperName (as an admin does in Setup).
   * 404 for an unknown user; 400 for an unknown group (naming `name`); 409 when the user is a member.
   */
  addGroupMember(orgId: string, userId: string, developerName: string): string {
    const org = this.org(orgId);
    this.user(orgId, userId);
    const group = [...org.groups.values()].find(
      (g) => String(g['DeveloperName']).toLowerCase() === developerName.toLowerCase(),
    );
    if (!group) throw new AdminError(400, `name: no group or queue '${developerName}' in org '${orgId}'`);
    const memberOf = [...(org.groupMembersByUser.get(userId) ?? [])].some(
      (m) => org.groupMembers.get(m)?.['GroupId'] === group['Id'],
    );
    if (memberOf) {
      throw new AdminError(409, `user '${userId}' is already a member of '${String(group['DeveloperName'])}'`);
    }
    return addGroupMember(org, userId, group['Id'] as string);
  }

  /**
   * Assigns a permission set group or a permission set licence by DeveloperName, as an admin does in
   * Setup (no Status nor licence check). 404 for an unknown user; 400 for an unknown group or
   * licence (naming `name`); 409 when the user already holds it.
   */
  assignEntitlement(
    orgId: string,
    userId: string,
    kind: 'permissionSetGroup' | 'permissionSetLicense',
    name: string,
  ): string {
    const org = this.org(orgId);
    this.user(orgId, userId);
    const held = kind === 'permissionSetGroup' ? groupsAssigned(org, userId) : licencesAssigned(org, userId);
    const what = kind === 'permissionSetGroup' ? 'permission set group' : 'permission set licence';
    if (held.some((h) => h.toLowerCase() === name.toLowerCase())) {
      throw new AdminError(409, `user '${userId}' already holds the ${what} '${name}'`);
    }
    try {
      return kind === 'permissionSetGroup'
        ? adminAssignGroup(org, userId, name)
        : adminAssignLicence(org, userId, name);
    } catch (error) {
      throw new AdminError(400, `name: ${(error as Error).message} in org '${orgId}'`);
    }
  }

  /** The permission set groups (DeveloperNames) assigned to a user, sorted; 404 for an unknown user. */
  permissionSetGroupsOf(orgId: string, userId: string): string[] {
    this.user(orgId, userId);
    return groupsAssigned(this.org(orgId), userId);
  }

  /** The permission set licences (DeveloperNames) a user holds, sorted; 404 for an unknown user. */
  permissionSetLicensesOf(orgId: string, userId: string): string[] {
    this.user(orgId, userId);
    return licencesAssigned(this.org(orgId), userId);
  }

  /** Permission set licences with their totals and how many are used. */
  permissionSetLicenses(orgId: string): { developerName: string; total: number; used: number }[] {
    return licenceCounts(this.org(orgId));
  }

  /**
   * Sets a permission set group's Status (as Salesforce's recalculation does): 404 for an unknown
   * group, 400 naming `status` for a Status Salesforce does not have.
   */
  setPermissionSetGroupStatus(orgId: string, name: string, status: PermissionSetGroupStatus): void {
    const org = this.org(orgId);
    if (!PERMISSION_SET_GROUP_STATUSES.includes(status)) {
      throw new AdminError(
        400,
        `status must be one of ${PERMISSION_SET_GROUP_STATUSES.join(', ')} (got ${JSON.stringify(status)})`,
      );
    }
    this.#entitlement(orgId, () => setGroupStatus(org, name, status));
  }

  /**
   * Sets how many of a permission set licence the org has (as a purchase does): 404 for an unknown
   * licence, 400 naming `total` unless it is an integer ≥ 0.
   */
  setPermissionSetLicenseTotal(orgId: string, name: string, total: number): void {
    const org = this.org(orgId);
    if (typeof total !== 'number' || !Number.isInteger(total) || total < 0) {
      throw new AdminError(400, `total must be an integer ≥ 0 (got ${JSON.stringify(total)})`);
    }
    this.#entitlement(orgId, () => setLicenceTotal(org, name, total));
  }

  /** Runs a change of a named group or licence; an unknown name is a 404 naming it and the org. */
  #entitlement(orgId: string, change: () => void): void {
    try {
      change();
    } catch (error) {
      throw new AdminError(404, `${(error as Error).message} in org '${orgId}'`);
    }
  }

  /** Deletes a permission set and its assignments (as an admin does in Setup). */
  deletePermissionSet(orgId: string, name: string): void {
    const org = this.org(orgId);
    const ps = [...org.permissionSets.values()].find(
      (p) => String(p['Name']).toLowerCase() === name.toLowerCase() && p['IsOwnedByProfile'] !== true,
    );
    if (!ps) throw new AdminError(404, `no permission set '${name}'`);
    for (const [id, a] of org.assignments) if (a['PermissionSetId'] === ps['Id']) removeAssignment(org, id);
    org.permissionSets.delete(ps['Id'] as string);
  }

  /** Deletes a role; as in Setup, a role that users hold or with subordinate roles cannot be deleted (409). */
  deleteRole(orgId: string, name: string): void {
    const org = this.org(orgId);
    const role = [...org.roles.values()].find((r) => String(r['Name']).toLowerCase() === name.toLowerCase());
    if (!role) throw new AdminError(404, `no role '${name}'`);
    if ([...org.users.values()].some((u) => u['UserRoleId'] === role['Id']))
      throw new AdminError(409, `role '${name}' is assigned to users`);
    if ([...org.roles.values()].some((r) => r['ParentRoleId'] === role['Id']))
      throw new AdminError(409, `role '${name}' has subordinate roles`);
    org.roles.delete(role['Id'] as string);
  }

  /** The names of the permission sets assigned to a user (explicit assignments), sorted. */
  permissionSetsOf(orgId: string, userId: string): string[] {
    const org = this.org(orgId);
    this.user(orgId, userId);
    const names: string[] = [];
    for (const a of org.assignmentsByUser.get(userId) ?? []) {
      const psId = org.assignments.get(a)?.['PermissionSetId'] as string | undefined;
      const name = psId ? org.permissionSets.get(psId)?.['Name'] : undefined;
      if (typeof name === 'string') names.push(name);
    }
    return names.sort();
  }

  /** The public groups and queues a user is a direct member of, as `Type:DeveloperName`, sorted. */
  groupsOf(orgId: string, userId: string): string[] {
    const org = this.org(orgId);
    this.user(orgId, userId);
    const names: string[] = [];
    for (const m of org.groupMembersByUser.get(userId) ?? []) {
      const group = org.groups.get(org.groupMembers.get(m)?.['GroupId'] as string);
      if (group) names.push(`${String(group['Type'])}:${String(group['DeveloperName'])}`);
    }
    return names.sort();
  }

  /** Applies a pending email change, as the user clicking the verification link does. */
  confirmEmailChange(orgId: string, userId: string): AdminUser {
    const org = this.org(orgId);
    this.user(orgId, userId);
    if (!confirmEmail(org, userId)) throw new AdminError(409, `user '${userId}' has no pending email change`);
    return this.user(orgId, userId);
  }

  /** Issues a new security token; the old one stops working at once. */
  resetSecurityToken(orgId: string, userId: string): { securityToken: string } {
    const org = this.org(orgId);
    const credentials = org.credentials.get(userId);
    if (!credentials) throw new AdminError(409, `user '${userId}' has no password`);
    credentials.securityToken = newSecurityToken();
    return { securityToken: credentials.securityToken };
  }

  /** Sets a user's password (and a fresh token unless one is given), so the user can log in. */
  setPassword(orgId: string, userId: string, password: string, securityToken?: string): { securityToken: string } {
    const org = this.org(orgId);
    this.user(orgId, userId);
    const token = securityToken ?? newSecurityToken();
    org.credentials.set(userId, { password, securityToken: token });
    return { securityToken: token };
  }

  /** Ends every session (of one org, or all): the next API call gets 401 INVALID_SESSION_ID. */
  expireSessions(orgId?: string): { expired: number } {
    return { expired: this.#state.registry.expireSessions(orgId ? this.org(orgId) : undefined) };
  }

  faults(): FaultConfig {
    return structuredClone(this.#state.faults);
  }

  setFaults(config: FaultConfig): FaultConfig {
    const problem = faultConfigProblem(config);
    if (problem) throw new AdminError(400, problem);
    this.#state.faults = structuredClone(config);
    return this.faults();
  }

  clearFaults(): void {
    this.#state.faults = {};
  }

  /** Requests received per endpoint (`METHOD /route/pattern`). */
  requestCounts(): Record<string, number> {
    return Object.fromEntries([...this.#state.requestCounts.entries()].sort());
  }

  resetRequestCounts(): void {
    this.#state.requestCounts.clear();
  }
}
