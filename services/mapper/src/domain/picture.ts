import type { DirectoryEventV1, RoleRef } from '@provision/events';
import type { AppRoleAssignment, CurrentSalesforceUser, EntraUser, GroupRef } from '@provision/mapping';
import type { Lane } from './ports.ts';

type Attributes = Record<string, string | number | boolean | null | string[]>;

/**
 * The mapper's picture of one Entra user, rebuilt from `entra.directory.v1` alone (Redis holds it
 * only as a cache: a full sync rebuilds it). Plain JSON, so it is stored as one Redis value.
 */
export interface UserPicture {
  id: string;
  attributes: Attributes;
  /** Whether Graph ever gave the user's attributes (a membership can arrive before the user). */
  known: boolean;
  removal: 'soft' | 'hard' | null;
  /** Direct groups → the app roles each group holds. */
  groups: Record<string, RoleRef[]>;
  /** The user's own app-role assignments, by assignment id. */
  direct: Record<string, RoleRef>;
  /** The last full sync whose users listing had this user. */
  lastSeenSyncId: string | null;
  /** The last full sync that restated this user's groups and assignments (absent in older pictures). */
  restatedSyncId?: string | null;
  /** What the mapper last commanded Salesforce to be; null before the first command. */
  commanded: CurrentSalesforceUser | null;
  /**
   * The last command that changes Salesforce, and what Salesforce was before it: when the writer
   * reports it failed, the picture goes back to `before`, so the next decision issues it again.
   */
  pending?: { commandId: string; before: CurrentSalesforceUser | null } | null;
  /**
   * The last command issued for the user, whatever its action, and the lane it went in: until the
   * writer answers it, the user's next command follows it in that lane. Absent in older pictures.
   */
  lastCommand?: { id: string; lane: Lane } | null;
  /**
   * Whether Salesforce may hold the user: true once a create, update or reactivation was sent,
   * whatever came of it (a failed create may still have matched or created the user). A user that
   * leaves scope is then disabled even when `commanded` went back to null. Absent in older pictures.
   */
  mayExist?: boolean;
  /**
   * A `linkedOnly` disable was sent for the user while the mapper's memory was lost: the writer has
   * looked for a Salesforce user carrying its link, so the user is not asked about again.
   */
  linkChecked?: boolean;
  /** Reason codes of the last skip, so a skip is logged once per change, not on every event. */
  lastSkip: string | null;
  /**
   * What Provision granted (permission sets, role, public groups and queues), so it only ever
   * removes its own grants. `groupMemberships` is absent in older pictures: none granted.
   */
  granted: {
    permissionSets: string[];
    userRole: string | null;
    groupMemberships?: GroupRef[];
    /** Feature licence fields Provision ticked (absent in older pictures: none). */
    featureLicenses?: string[];
    /** Permission set groups and licences Provision granted (DeveloperNames); absent in older pictures: none. */
    permissionSetGroups?: string[];
    permissionSetLicenses?: string[];
  };
  /** The change (directory event id) that last touched this user. */
  changeId: string | null;
  /**
   * Under `deprovisioning: freezeThenDeactivate`: when the mapper froze the user on leaving scope
   * (ISO); its deactivation is due `deactivateAfterDays` later. Cleared when the user is reactivated.
   */
  frozenAt?: string | null;
  /** The partition of `entra.directory.v1` the user's facts arrive in, once decided there. */
  partition?: number;
}

export function emptyPicture(id: string): UserPicture {
  return {
    id,
    attributes: {},
    known: false,
    removal: null,
    groups: {},
    direct: {},
    lastSeenSyncId: null,
    commanded: null,
    pending: null,
    mayExist: false,
    lastSkip: null,
    granted: { permissionSets: [], userRole: null },
    changeId: null,
  };
}

type UserFact = Exclude<DirectoryEventV1, { type: 'sync.started' | 'sync.completed' }>;

/**
 * Applies one directory fact. Facts are sets, not increments, so applying a redelivered fact
 * again leaves the same picture (at least once stays correct).
 */
export function applyFact(picture: UserPicture, fact: UserFact, fullSyncId: string | null): UserPicture {
  const next: UserPicture = { ...picture, changeId: fact.eventId };
  const inFullSync = fullSyncId !== null && fact.syncId === fullSyncId;
  if (inFullSync && picture.restatedSyncId !== fullSyncId) {
    // A full sync restates every group and assignment it knows of, after its start marker: the
    // first fact about the user makes the picture forget the old ones, so a membership or role
    // whose removal was never published (it fell between two interrupted rounds) goes too.
    next.restatedSyncId = fullSyncId;
    next.groups = {};
    next.direct = {};
  }
  // Only the users listing says the user still exists: a soft-deleted user is absent from it,
  // though its memberships and assignments may still be listed.
  if (inFullSync && (fact.type === 'user.upserted' || fact.type === 'user.removed')) next.lastSeenSyncId = fullSyncId;
  switch (fact.type) {
    case 'user.upserted':
      next.attributes = fact.complete ? { ...fact.attributes } : { ...picture.attributes, ...fact.attributes };
      next.known = true;
      next.removal = null;
      return next;
    case 'user.removed':
      next.removal = fact.removal;
      return next;
    case 'membership.changed': {
      const groups = { ...picture.groups };
      if (fact.change === 'added') groups[fact.groupId] = fact.groupRoles;
      else delete groups[fact.groupId];
      next.groups = groups;
      return next;
    }
    case 'assignment.changed': {
      if (fact.principalType === 'User') {
        const direct = { ...picture.direct };
        if (fact.change === 'added') direct[fact.assignmentId] = fact.role;
        else delete direct[fact.assignmentId];
        next.direct = direct;
        return next;
      }
      // A group's assignment fanned out to this member: the user is (or was) in that group.
      const roles = (picture.groups[fact.principalId] ?? []).filter((r) => r.appRoleId !== fact.role.appRoleId);
      if (fact.change === 'added') roles.push(fact.role);
      next.groups = { ...picture.groups, [fact.principalId]: roles };
      return next;
    }
  }
}

/** The user as `decide()` reads it. */
export function toEntraUser(picture: UserPicture): EntraUser {
  return {
    id: picture.id,
    attributes: picture.attributes,
    isSoftDeleted: picture.removal !== null,
    memberOf: Object.keys(picture.groups),
  };
}

/** The user's direct assignments and those of its direct groups. */
export function assignmentsOf(picture: UserPicture): AppRoleAssignment[] {
  const direct = Object.values(picture.direct).map((role) => ({
    principalId: picture.id,
    principalType: 'User' as const,
    appRoleId: role.appRoleId,
    roleValue: role.roleValue,
  }));
  const viaGroups = Object.entries(picture.groups).flatMap(([groupId, roles]) =>
    roles.map((role) => ({
      principalId: groupId,
      principalType: 'Group' as const,
      appRoleId: role.appRoleId,
      roleValue: role.roleValue,
    })),
  );
  return [...direct, ...viaGroups];
}

/** The writer's code for an update or disable of a user it cannot find in Salesforce. */
export const USER_NOT_FOUND = 'SalesforceUserNotFound';

/** A failed command reported by the writer (`provisioning.results.v1`), kept until retried. */
export interface Failure {
  commandId: string;
  code: string;
  attempts: number;
  at: string;
}

/**
 * Undoes what the picture assumed of a command Salesforce refused, so the next decision asks for
 * it again (Entra retries failed users in later cycles too). A failure of an older command than
 * the pending one is already superseded.
 */
export function revertFailed(picture: UserPicture, failure: Failure | undefined): UserPicture {
  if (!failure || picture.pending?.commandId !== failure.commandId) return picture;
  // Salesforce has no such user (an earlier create failed, or it was removed there): start over.
  const before = failure.code === USER_NOT_FOUND ? null : picture.pending.before;
  // A failed link check (a linkedOnly disable) is asked again too.
  return { ...picture, commanded: before, pending: null, lastSkip: null, linkChecked: false };
}
