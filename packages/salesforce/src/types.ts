import type { SalesforceErrorCode } from './error-codes.ts';
import type { FeatureLicenseCount } from './feature-licences.ts';

/** A classified Salesforce error: a stable code, whether retrying can help, the message and fields. */
export interface SalesforceError {
  readonly code: SalesforceErrorCode;
  readonly retriable: boolean;
  readonly message: string;
  readonly fields: readonly string[];
  /** Salesforce's own code (e.g. `DUPLICATE_USERNAME`), the HTTP status, or the network error code. */
  readonly salesforceCode?: string;
}

/** The result of writing one record, in the order the records were given. */
export type WriteResult =
  | { readonly ok: true; readonly id: string }
  | {
      readonly ok: false;
      /** The record's id when Salesforce knows it (updates). */
      readonly id?: string;
      /** The error that explains the failure (never ALL_OR_NONE_OPERATION_ROLLED_BACK unless alone). */
      readonly error: SalesforceError;
      readonly errors: readonly SalesforceError[];
    };

/**
 * A User record to create: API field names, with `ProfileName` accepted instead of `ProfileId` and
 * `UserRoleName` instead of `UserRoleId` (null clears the role).
 */
export type SalesforceUserInput = Readonly<Record<string, unknown>> & {
  readonly ProfileName?: string;
  readonly UserRoleName?: string | null;
};

/** A User record to update: `Id` plus the fields to change. */
export type SalesforceUserUpdate = SalesforceUserInput & { readonly Id: string };

/** A user found by `findUsers`. */
export interface FoundSalesforceUser {
  readonly id: string;
  readonly username: string;
  readonly isActive: boolean;
  readonly profileId: string | null;
  readonly profileName: string | null;
  /** Every selected field by API name (relationship fields flattened, e.g. `Profile.Name`). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A profile with its user licence and how many of those licences are left. */
export interface SalesforceProfile {
  readonly id: string;
  readonly name: string;
  readonly userLicense: string;
  readonly userType: string | null;
  readonly licencesTotal: number;
  readonly licencesUsed: number;
  readonly licencesRemaining: number;
}

/** What `testConnection` found, naming exactly what is missing. */
export interface ConnectionReport {
  /** True when everything provisioning needs is in place. */
  readonly ok: boolean;
  readonly reachable: boolean;
  readonly credentialsValid: boolean;
  readonly apiEnabled: boolean;
  /** Manage Users held through the profile or a permission set. */
  readonly manageUsers: boolean;
  /** Manage Users granted on the profile itself (what the Entra tutorial asks for). */
  readonly manageUsersOnProfile: boolean;
  readonly orgId?: string;
  readonly user?: { readonly id: string; readonly username: string; readonly profileName: string | null };
  readonly instanceUrl?: string;
  /** Human-readable, one item per missing prerequisite. Empty when `ok`. */
  readonly missing: readonly string[];
  /** Advice that does not block provisioning (e.g. Manage Users granted only through a permission set). */
  readonly notes: readonly string[];
  readonly error?: SalesforceError;
}

/** API usage: calls this gateway made, and the org's daily usage from `Sforce-Limit-Info`. */
export interface ApiUsage {
  /** HTTP requests this gateway sent (logins, queries, writes, retries included). */
  readonly calls: number;
  /** The org's requests in the current 24 hours, as of the last response. */
  readonly used?: number;
  /** The org's daily allocation. */
  readonly limit?: number;
}

/** Permission sets (PermissionSet.Name) to assign to and take from one user. */
export interface PermissionSetChange {
  readonly userId: string;
  readonly add: readonly string[];
  readonly remove: readonly string[];
  /**
   * The user was created moments ago and holds no explicit assignment yet: its assignments are not
   * queried (one call less per 200 users). An assignment that exists anyway is still harmless.
   */
  readonly newUser?: boolean;
}

/**
 * What happened to one user's permission sets. `before`/`after` are the names of the sets the user
 * holds through explicit assignments (profile-owned sets excluded), sorted; on failure `after` is
 * what the user holds now (what could be applied was).
 */
export type PermissionSetResult =
  | {
      readonly ok: true;
      readonly userId: string;
      readonly before: readonly string[];
      readonly after: readonly string[];
    }
  | {
      readonly ok: false;
      readonly userId: string;
      readonly before?: readonly string[];
      readonly after?: readonly string[];
      readonly error: SalesforceError;
      readonly errors: readonly SalesforceError[];
    };

/** A public group (`Group.Type = 'Regular'`) or a queue (`'Queue'`), by DeveloperName. */
export interface GroupRef {
  readonly type: 'publicGroup' | 'queue';
  readonly name: string;
}

/** Public groups and queues one user joins and leaves (GroupMember rows). */
export interface GroupMembershipChange {
  readonly userId: string;
  readonly add: readonly GroupRef[];
  readonly remove: readonly GroupRef[];
  /** Created moments ago: member of nothing yet, its memberships are not queried. */
  readonly newUser?: boolean;
}

/**
 * What happened to one user's memberships: `before`/`after` are the DeveloperNames of the public
 * groups and queues the user is a direct member of, each sorted; on failure `after` is what the user
 * is a member of now (what could be applied was).
 */
export interface GroupMemberships {
  readonly publicGroups: readonly string[];
  readonly queues: readonly string[];
}
export type GroupMembershipResult =
  | {
      readonly ok: true;
      readonly userId: string;
      readonly before: GroupMemberships;
      readonly after: GroupMemberships;
    }
  | {
      readonly ok: false;
      readonly userId: string;
      readonly before?: GroupMemberships;
      readonly after?: GroupMemberships;
      readonly error: SalesforceError;
      readonly errors: readonly SalesforceError[];
    };

/** Options for `assignPermissionSets`. */
export interface AssignPermissionSetsOptions {
  /** Resolve and read, write nothing: `after` is what the user would hold. */
  readonly dryRun?: boolean;
}

/** One kind of entitlement change of `assignEntitlements`: what its own assign… method takes. */
export type EntitlementStep =
  | {
      readonly kind: 'permissionSets' | 'permissionSetGroups' | 'permissionSetLicenses';
      readonly changes: readonly PermissionSetChange[];
    }
  | { readonly kind: 'groupMemberships'; readonly changes: readonly GroupMembershipChange[] };

/** The results of one step of `assignEntitlements`: what its own assign… method returns. */
export type EntitlementStepResult = PermissionSetResult[] | GroupMembershipResult[];

/** Options for `deactivateUsers`. */
export interface DeactivateOptions {
  /** Also freeze the login (UserLogin.IsFrozen = true), e.g. when deactivation alone is not enough. */
  readonly freeze?: boolean;
}

/**
 * The one port through which Provision reaches Salesforce. Writes return one classified result per
 * record, in order; whole-call failures (network, session, limits) are classified on every record.
 */
export interface SalesforceGateway {
  /** Connects and checks what provisioning needs: reachable, credentials, API access, Manage Users. */
  testConnection(): Promise<ConnectionReport>;
  /** The org's profiles with licence usage (cached for `ProfileName` resolution). */
  listProfiles(): Promise<SalesforceProfile[]>;
  /** Users whose `matchingAttribute` equals one of `values` (case-insensitive, as SOQL compares). */
  findUsers(
    matchingAttribute: string,
    values: readonly string[],
    options?: { readonly fields?: readonly string[] },
  ): Promise<FoundSalesforceUser[]>;
  /**
   * Several `findUsers` lookups in as few requests as they fit (one Composite call holds five
   * queries), one list of users per lookup in order; a lookup that fails throws.
   */
  findUsersEach?(
    lookups: readonly { readonly attribute: string; readonly values: readonly string[] }[],
    options?: { readonly fields?: readonly string[] },
  ): Promise<FoundSalesforceUser[][]>;
  createUsers(records: readonly SalesforceUserInput[]): Promise<WriteResult[]>;
  updateUsers(records: readonly SalesforceUserUpdate[]): Promise<WriteResult[]>;
  /** Sets IsActive = false (frees the licence); optionally freezes the login as well. */
  deactivateUsers(ids: readonly string[], options?: DeactivateOptions): Promise<WriteResult[]>;
  /**
   * Freezes (or unfreezes) each user's login, `UserLogin.IsFrozen`, leaving IsActive and the
   * licence as they are; one result per user id, in order.
   */
  freezeUsers(ids: readonly string[], frozen: boolean): Promise<WriteResult[]>;
  /**
   * Adds and removes permission-set assignments, one result per change in order. Adding a set the
   * user holds and removing one it does not hold are no-ops; an unknown name to add fails that user
   * (`SalesforceUnknownPermissionSet`) after the rest of its change was applied.
   */
  assignPermissionSets(
    changes: readonly PermissionSetChange[],
    options?: AssignPermissionSetsOptions,
  ): Promise<PermissionSetResult[]>;
  /**
   * The permission sets (names, sorted) each user holds through explicit assignments, profile-owned
   * sets excluded, by user id as given: one query of PermissionSetAssignment (split as the URI
   * limit requires). Reads only.
   */
  permissionSetsOf(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /**
   * Adds and removes public-group and queue memberships (GroupMember), one result per change in
   * order. Joining a group the user is in and leaving one it is not in are no-ops; a group to join
   * that the org lacks fails that user (`SalesforceUnknownGroup`) after the rest of its change was applied.
   */
  assignGroupMemberships(
    changes: readonly GroupMembershipChange[],
    options?: AssignPermissionSetsOptions,
  ): Promise<GroupMembershipResult[]>;
  /** The public groups and queues each user is a direct member of, by user id as given. Reads only. */
  groupMembershipsOf(userIds: readonly string[]): Promise<Map<string, GroupMemberships>>;
  /**
   * The org's feature licences, total and assigned (ActiveFeatureLicenseMetric, one query; the
   * counts are Salesforce's periodic snapshot). Empty when the org exposes none (API before 52.0).
   */
  featureLicenseCounts?(): Promise<FeatureLicenseCount[]>;
  /**
   * Adds and removes permission set group assignments (PermissionSetAssignment with a
   * PermissionSetGroupId; names are DeveloperNames), one result per change in order. A group whose
   * Status is not Updated is refused (`SalesforcePermissionSetGroupNotUpdated`), an unknown one fails
   * that user (`SalesforceUnknownPermissionSetGroup`) after the rest of its change was applied.
   */
  assignPermissionSetGroups(
    changes: readonly PermissionSetChange[],
    options?: AssignPermissionSetsOptions,
  ): Promise<PermissionSetResult[]>;
  /** The permission set groups (DeveloperNames, sorted) each user is assigned, by user id as given. Reads only. */
  permissionSetGroupsOf(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /**
   * Adds and removes permission set licences (PermissionSetLicenseAssign; names are DeveloperNames),
   * one result per change in order. Licences are counted first: a user past a licence's
   * TotalLicenses fails as `SalesforceLicenseLimitExceeded` naming the licence, with no call made for it.
   */
  assignPermissionSetLicenses(
    changes: readonly PermissionSetChange[],
    options?: AssignPermissionSetsOptions,
  ): Promise<PermissionSetResult[]>;
  /** The permission set licences (DeveloperNames, sorted) each user holds, by user id as given. Reads only. */
  permissionSetLicensesOf(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /**
   * Several steps of entitlement changes, each as its own assign… method would make it, one result
   * list per step, with fewer calls: the steps' reads go together, then all their inserts in step
   * order, then all their deletes in step order (a licence added by an early step is there for the
   * later ones; one removed by a late step goes after what needed it). Absent: call each method in turn.
   */
  assignEntitlements?(
    steps: readonly EntitlementStep[],
    options?: AssignPermissionSetsOptions,
  ): Promise<EntitlementStepResult[]>;
  usage(): ApiUsage;
  close(): Promise<void>;
}
