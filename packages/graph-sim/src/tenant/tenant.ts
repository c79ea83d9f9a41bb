import { randomBytes } from 'node:crypto';
import { GraphHttpError, graphErrors } from '../graph-error.ts';
import { GUID_PATTERN, graphTimestamp } from '../ids.ts';
import { type DirectoryObject, ObjectStore } from './object-store.ts';

/** The app role id Graph uses for an assignment without a specific role ("Default Access" in the portal). */
export const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000';

export interface AppRole {
  allowedMemberTypes: string[];
  description: string | null;
  displayName: string | null;
  id: string;
  isEnabled: boolean;
  origin: string;
  value: string | null;
}

export interface Application {
  id: string;
  appId: string;
  displayName: string;
  appRoles: AppRole[];
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  appRoleAssignmentRequired: boolean;
}

export interface AppRoleAssignment {
  id: string;
  appRoleId: string;
  createdDateTime: string;
  principalDisplayName: string;
  principalId: string;
  principalType: 'User' | 'Group';
  resourceDisplayName: string;
  resourceId: string;
}

/** A change that subscriptions may be told about: `updated` covers create, update and soft delete. */
export interface DirectoryChange {
  readonly kind: 'user' | 'group';
  readonly id: string;
  readonly changeType: 'updated' | 'deleted';
  readonly seq: number;
}

export interface TenantIdentity {
  tenantId: string;
  domain: string;
  application: Application;
  servicePrincipal: ServicePrincipal;
}

/** One Entra tenant: users, groups, one enterprise application (with its service principal) and its assignments. */
export class Tenant {
  readonly tenantId: string;
  readonly domain: string;
  readonly users: ObjectStore;
  readonly groups: ObjectStore;
  readonly application: Application;
  readonly servicePrincipal: ServicePrincipal;
  readonly assignments = new Map<string, AppRoleAssignment>();
  /** Assignment ids by principal, so duplicate checks and deletions do not scan every assignment. */
  readonly #assignmentsByPrincipal = new Map<string, Set<string>>();
  /**
   * Each assignment's paging key: a number that only grows, given at creation and never reused, so a
   * listing can resume after the last key it returned even when that assignment is gone meanwhile.
   * `assignments` iterates in creation order, which is ascending key order.
   */
  readonly #assignmentKeys = new Map<string, number>();
  #lastAssignmentKey = 0;
  readonly #upns = new Map<string, string>();
  readonly #listeners = new Set<(change: DirectoryChange) => void>();
  #seq = 0;
  readonly #now: () => Date;

  constructor(identity: TenantIdentity, now: () => Date = () => new Date()) {
    this.tenantId = identity.tenantId;
    this.domain = identity.domain;
    this.application = identity.application;
    this.servicePrincipal = identity.servicePrincipal;
    this.#now = now;
    const next = () => ++this.#seq;
    this.users = new ObjectStore('user', next);
    this.groups = new ObjectStore('group', next);
  }

  /** The latest sequence number: a delta round started now covers changes up to here. */
  get currentSeq(): number {
    return this.#seq;
  }

  /** Subscribes to directory changes (for change notifications); returns the unsubscribe function. */
  onChange(listener: (change: DirectoryChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(kind: 'user' | 'group', id: string, changeType: 'updated' | 'deleted'): void {
    const change = { kind, id, changeType, seq: this.#seq };
    for (const listener of this.#listeners) listener(change);
  }

  store(kind: 'user' | 'group'): ObjectStore {
    return kind === 'user' ? this.users : this.groups;
  }

  // --- users ---------------------------------------------------------------------------------

  createUser(id: string, props: Record<string, unknown>): DirectoryObject {
    const upn = String(props['userPrincipalName'] ?? '');
    if (!upn.includes('@'))
      throw graphErrors.badRequest("Invalid value specified for property 'userPrincipalName' of resource 'User'.");
    this.#claimUpn(upn, id);
    const user = this.users.create(id, { ...props, createdDateTime: graphTimestamp(this.#now()) });
    this.#emit('user', id, 'updated');
    return user;
  }

  updateUser(id: string, changes: Record<string, unknown>): DirectoryObject {
    const user = this.activeUser(id);
    const upn = changes['userPrincipalName'];
    if (typeof upn === 'string' && upn.toLowerCase() !== String(user.props['userPrincipalName']).toLowerCase()) {
      this.#claimUpn(upn, id);
      this.#upns.delete(String(user.props['userPrincipalName']).toLowerCase());
    }
    if (this.users.update(user, changes).length > 0) this.#emit('user', id, 'updated');
    return user;
  }

  #claimUpn(upn: string, id: string): void {
    const holder = this.#upns.get(upn.toLowerCase());
    if (holder !== undefined && holder !== id) {
      throw graphErrors.badRequest('Another object with the same value for property userPrincipalName already exists.');
    }
    this.#upns.set(upn.toLowerCase(), id);
  }

  activeUser(id: string): DirectoryObject {
    const user = this.users.objects.get(id);
    if (!user || user.deletedDateTime !== null) throw graphErrors.notFound(id);
    return user;
  }

  activeGroup(id: string): DirectoryObject {
    const group = this.groups.objects.get(id);
    if (!group || group.deletedDateTime !== null) throw graphErrors.notFound(id);
    return group;
  }

  // --- groups --------------------------------------------------------------------------------

  createGroup(id: string, props: Record<string, unknown>, memberIds: Iterable<string> = []): DirectoryObject {
    const group = this.groups.create(id, { ...props, createdDateTime: graphTimestamp(this.#now()) });
    // Members present at creation are part of the created state, not later membership changes.
    for (const memberId of memberIds) if (this.#isPrincipal(memberId)) group.members?.add(memberId);
    this.#emit('group', id, 'updated');
    return group;
  }

  updateGroup(id: string, changes: Record<string, unknown>): DirectoryObject {
    const group = this.activeGroup(id);
    if (this.groups.update(group, changes).length > 0) this.#emit('group', id, 'updated');
    return group;
  }

  addMember(groupId: string, memberId: string): void {
    const group = this.activeGroup(groupId);
    if (!this.#isPrincipal(memberId)) throw graphErrors.notFound(memberId);
    if (group.members?.has(memberId)) {
      throw graphErrors.badRequest(
        "One or more added object references already exist for the following modified properties: 'members'.",
      );
    }
    this.groups.setMember(group, memberId, true);
    this.#emit('group', groupId, 'updated');
  }

  removeMember(groupId: string, memberId: string): void {
    const group = this.activeGroup(groupId);
    if (!this.groups.setMember(group, memberId, false)) throw graphErrors.notFound(memberId);
    this.#emit('group', groupId, 'updated');
  }

  #isPrincipal(id: string): boolean {
    return (
      this.users.objects.get(id)?.deletedDateTime === null || this.groups.objects.get(id)?.deletedDateTime === null
    );
  }

  /** Whether a group goes to deletedItems when deleted: only Microsoft 365 (Unified) groups do. */
  static isRestorableGroup(group: DirectoryObject): boolean {
    const types = group.props['groupTypes'];
    return Array.isArray(types) && types.includes('Unified');
  }

  // --- deletion ------------------------------------------------------------------------------

  /** `DELETE /users/{id}` or `/groups/{id}`: users and Microsoft 365 groups are soft-deleted, security groups removed. */
  delete(kind: 'user' | 'group', id: string): void {
    const object = kind === 'user' ? this.activeUser(id) : this.activeGroup(id);
    if (kind === 'group' && !Tenant.isRestorableGroup(object)) {
      this.#hardDelete('group', object);
      return;
    }
    this.store(kind).softDelete(object, this.#now());
    this.#emit(kind, id, 'updated');
  }

  /** The object in deletedItems with this id, whichever kind it is. */
  deletedItem(id: string): { kind: 'user' | 'group'; object: DirectoryObject } {
    for (const kind of ['user', 'group'] as const) {
      const object = this.store(kind).objects.get(id);
      if (object && object.deletedDateTime !== null) return { kind, object };
    }
    throw graphErrors.notFound(id);
  }

  restore(id: string): { kind: 'user' | 'group'; object: DirectoryObject } {
    const item = this.deletedItem(id);
    if (item.kind === 'user') {
      const holder = this.#upns.get(String(item.object.props['userPrincipalName']).toLowerCase());
      if (holder !== undefined && holder !== id) {
        throw graphErrors.badRequest(
          'Another object with the same value for property userPrincipalName already exists.',
        );
      }
    }
    this.store(item.kind).restore(item.object);
    this.#emit(item.kind, id, 'updated');
    return item;
  }

  /** `DELETE /directory/deletedItems/{id}`: permanent deletion of a soft-deleted object. */
  purge(id: string): void {
    const item = this.deletedItem(id);
    this.#hardDelete(item.kind, item.object);
  }

  #hardDelete(kind: 'user' | 'group', object: DirectoryObject): void {
    for (const group of this.groups.objects.values()) {
      if (group.members?.has(object.id)) {
        this.groups.setMember(group, object.id, false);
        if (group.deletedDateTime === null) this.#emit('group', group.id, 'updated');
      }
    }
    for (const assignmentId of this.#assignmentsByPrincipal.get(object.id) ?? []) {
      this.assignments.delete(assignmentId);
      this.#assignmentKeys.delete(assignmentId);
    }
    this.#assignmentsByPrincipal.delete(object.id);
    if (kind === 'user') this.#upns.delete(String(object.props['userPrincipalName']).toLowerCase());
    this.store(kind).hardDelete(object);
    this.#emit(kind, object.id, 'deleted');
  }

  // --- app roles and assignments ---------------------------------------------------------------

  /** Replaces the application's app roles, enforcing Graph's rule that only disabled roles may be removed. */
  setAppRoles(roles: unknown): void {
    if (!Array.isArray(roles)) throw graphErrors.badRequest("Invalid value for property 'appRoles'.");
    const next = roles.map((role) => parseAppRole(role));
    const ids = new Set<string>();
    const values = new Set<string>();
    for (const role of next) {
      if (ids.has(role.id) || (role.value !== null && values.has(role.value))) {
        throw graphErrors.badRequest('Request contains a property with duplicate values.');
      }
      ids.add(role.id);
      if (role.value !== null) values.add(role.value);
    }
    for (const old of this.application.appRoles) {
      const kept = next.find((role) => role.id === old.id);
      if (!kept && old.isEnabled) {
        throw new GraphHttpError(
          400,
          'CannotDeleteOrUpdateEnabledEntitlement',
          'Property value cannot be deleted or updated unless it is disabled first.',
        );
      }
    }
    this.application.appRoles = next;
  }

  /** Visible assignments: those of soft-deleted principals stay stored but are not listed. */
  *visibleAssignments(): IterableIterator<AppRoleAssignment> {
    for (const assignment of this.assignments.values()) {
      const store = assignment.principalType === 'User' ? this.users : this.groups;
      if (store.objects.get(assignment.principalId)?.deletedDateTime === null) yield assignment;
    }
  }

  /**
   * Visible assignments whose paging key is above `afterKey` (0 = from the start), in key order, each
   * with its key: `appRoleAssignedTo` pages by key, so removing an assignment between two page
   * requests never shifts the rest of the listing (offset paging skipped the next page's first item).
   */
  *visibleAssignmentsAfter(afterKey: number): IterableIterator<{ assignment: AppRoleAssignment; key: number }> {
    for (const assignment of this.visibleAssignments()) {
      const key = this.#assignmentKeys.get(assignment.id) ?? 0;
      if (key > afterKey) yield { assignment, key };
    }
  }

  assign(principalId: string, appRoleId: string, resourceId: string = this.servicePrincipal.id): AppRoleAssignment {
    if (resourceId !== this.servicePrincipal.id) {
      throw graphErrors.badRequest(
        'The resourceId in the request body does not match the service principal in the URL.',
      );
    }
    if (typeof principalId !== 'string' || !GUID_PATTERN.test(principalId)) {
      throw graphErrors.badRequest(
        "Invalid value specified for property 'principalId' of resource 'AppRoleAssignment'.",
      );
    }
    const user = this.users.objects.get(principalId);
    const group = this.groups.objects.get(principalId);
    const principal = user?.deletedDateTime === null ? user : group?.deletedDateTime === null ? group : undefined;
    if (!principal) throw graphErrors.notFound(principalId);
    const principalType = principal === user ? 'User' : 'Group';
    if (appRoleId !== DEFAULT_ACCESS_ROLE_ID) {
      const role = this.application.appRoles.find((r) => r.id === appRoleId);
      if (!role?.isEnabled || !role.allowedMemberTypes.includes('User')) {
        throw graphErrors.badRequest(
          `Permission being assigned was not found on application '${this.application.appId}'.`,
        );
      }
    }
    const held = this.#assignmentsByPrincipal.get(principalId) ?? new Set<string>();
    for (const existingId of held) {
      if (this.assignments.get(existingId)?.appRoleId === appRoleId) {
        throw graphErrors.badRequest('Permission being assigned already exists on the object');
      }
    }
    const assignment: AppRoleAssignment = {
      id: assignmentId(principalId),
      appRoleId,
      createdDateTime: graphTimestamp(this.#now()),
      principalDisplayName: String(principal.props['displayName'] ?? ''),
      principalId,
      principalType,
      resourceDisplayName: this.servicePrincipal.displayName,
      resourceId: this.servicePrincipal.id,
    };
    this.assignments.set(assignment.id, assignment);
    this.#assignmentKeys.set(assignment.id, ++this.#lastAssignmentKey);
    held.add(assignment.id);
    this.#assignmentsByPrincipal.set(principalId, held);
    return assignment;
  }

  unassign(assignmentId: string): void {
    const assignment = this.assignments.get(assignmentId);
    if (!assignment) throw graphErrors.notFound(assignmentId);
    this.assignments.delete(assignmentId);
    this.#assignmentKeys.delete(assignmentId);
    this.#assignmentsByPrincipal.get(assignment.principalId)?.delete(assignmentId);
  }
}

/** Graph's assignment ids are opaque base64url strings that start with the principal id's bytes. */
function assignmentId(principalId: string): string {
  const bytes = Buffer.concat([Buffer.from(principalId.replaceAll('-', ''), 'hex'), randomBytes(16)]);
  return bytes.toString('base64url');
}

function parseAppRole(input: unknown): AppRole {
  const role = (input ?? {}) as Record<string, unknown>;
  const id = role['id'];
  if (typeof id !== 'string' || !GUID_PATTERN.test(id))
    throw graphErrors.badRequest("Invalid value specified for property 'id' of resource 'AppRole'.");
  const members = role['allowedMemberTypes'];
  if (!Array.isArray(members) || members.length === 0 || !members.every((m) => m === 'User' || m === 'Application')) {
    throw graphErrors.badRequest("Invalid value specified for property 'allowedMemberTypes' of resource 'AppRole'.");
  }
  const text = (key: string): string | null => {
    const value = role[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string')
      throw graphErrors.badRequest(`Invalid value specified for property '${key}' of resource 'AppRole'.`);
    return value;
  };
  return {
    allowedMemberTypes: members as string[],
    description: text('description'),
    displayName: text('displayName'),
    id: id.toLowerCase(),
    isEnabled: role['isEnabled'] !== false,
    origin: 'Application',
    value: text('value'),
  };
}
