/**
 * The inputs and outputs of a provisioning decision. Plain data, so the mapper can keep them in
 * Redis and the writer can read them off Kafka.
 */

/** A Graph attribute value: single- or multi-valued, possibly absent. */
export type EntraAttributeValue = string | readonly string[] | boolean | number | null | undefined;

/**
 * The mapper's picture of one Entra user.
 *
 * `attributes` holds the user's Graph properties as Graph returns them (`userPrincipalName`, `mail`,
 * `givenName`, `surname`, `displayName`, `accountEnabled`, `department`, `preferredLanguage`, …);
 * names are matched case-insensitively, as Entra does.
 */
export interface EntraUser {
  /** The Entra object id. */
  readonly id: string;
  readonly attributes: Readonly<Record<string, EntraAttributeValue>>;
  /** True while the user is in Entra's deleted items (soft-deleted, restorable). */
  readonly isSoftDeleted?: boolean;
  /** Ids of the groups the user is a *direct* member of (nested groups are not expanded, as in Entra). */
  readonly memberOf: readonly string[];
}

/** One app-role assignment to the Salesforce enterprise application. */
export interface AppRoleAssignment {
  /** The user's own id, or the id of a group the user belongs to. */
  readonly principalId: string;
  readonly principalType: 'User' | 'Group';
  readonly appRoleId: string;
  /** The role's value (the Salesforce profile name, e.g. "Standard User"); null or "Default Access" for default access. */
  readonly roleValue: string | null;
  /** For messages only (the group's or user's display name). */
  readonly principalDisplayName?: string;
}

/** A value Provision writes to (or reads from) a Salesforce field. */
export type SalesforceFieldValue = string | boolean | number | readonly string[] | null;

/**
 * The Salesforce user linked (or matched) to the Entra user, as the writer reads it. Besides real
 * `User` fields it uses the same pseudo-fields decide() emits: `ProfileName` (Profile.Name),
 * `UserRoleName` (UserRole.Name), `IsFrozen` (UserLogin.IsFrozen) and `PermissionSets` (the names
 * of the permission sets assigned to the user), `PublicGroups` and `Queues` (the DeveloperNames of the
 * public groups and queues the user is a direct member of). A field missing from the picture counts as null.
 */
export interface CurrentSalesforceUser {
  readonly Id: string;
  readonly IsActive: boolean;
  readonly IsFrozen?: boolean;
  readonly PermissionSets?: readonly string[];
  /** DeveloperNames of the public groups (`Group.Type = 'Regular'`) the user is a direct member of. */
  readonly PublicGroups?: readonly string[];
  /** DeveloperNames of the queues the user is a direct member of. */
  readonly Queues?: readonly string[];
  /** DeveloperNames of the permission set groups assigned to the user. */
  readonly PermissionSetGroups?: readonly string[];
  /** DeveloperNames of the permission set licences the user holds. */
  readonly PermissionSetLicenses?: readonly string[];
  readonly [field: string]: SalesforceFieldValue | undefined;
}

export type DecisionAction = 'create' | 'update' | 'disable' | 'reactivate' | 'skip';

/** Why a decision was taken. `code` is stable and machine-readable (kebab-case); `message` is for people. */
export interface Reason {
  readonly code: ReasonCode;
  readonly message: string;
  /** `info` explains, `warning` flags a value Salesforce would likely refuse, `error` blocks the user. */
  readonly severity: 'info' | 'warning' | 'error';
  /** The Salesforce field concerned, when there is one. */
  readonly field?: string;
}

/** Every reason code decide() and desiredState() can give. */
export const REASON_CODES = [
  'in-scope',
  'unassigned',
  'default-access',
  'role-resolved',
  'role-conflict',
  'role-precedence',
  'role-refused',
  'scoping-filter',
  'soft-deleted',
  'account-disabled',
  'not-linked',
  'memory-lost',
  'link-check',
  'already-disabled',
  'no-changes',
  'deprovisioning-skipped',
  'deactivation-scheduled',
  'deactivation-pending',
  'freeze-expired',
  'matching-attribute-missing',
  'expression-failed',
  'value-dropped',
  'default-value-used',
  'invalid-picklist-value',
  'picklist-value-normalized',
  'invalid-value',
  'required-field-missing',
  'value-too-long',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** One changed property, as Entra's provisioning log shows it. */
export interface ModifiedProperty {
  readonly name: string;
  readonly oldValue: SalesforceFieldValue;
  readonly newValue: SalesforceFieldValue;
}

/** How the writer finds an existing Salesforce user before creating one. */
export interface MatchingKey {
  /** The Salesforce field to query (`Username` in the default mapping). */
  readonly attribute: string;
  readonly value: string;
}

/** Permission-set assignments to add and remove (only ones Provision granted are ever removed). */
export interface PermissionSetChanges {
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

/** A Salesforce `Group` a user can be made a member of: a public group (`Regular`) or a queue. */
export type GroupType = 'publicGroup' | 'queue';

/** One public group or queue, by DeveloperName. */
export interface GroupRef {
  readonly type: GroupType;
  readonly name: string;
}

/**
 * Group memberships (GroupMember) to add and remove. Under `entitlementModes.groupMembership:
 * merge` only ones Provision granted are removed; under `authoritative` any membership of a group
 * the rules name that the user should not hold.
 */
export interface GroupMembershipChanges {
  readonly add: readonly GroupRef[];
  readonly remove: readonly GroupRef[];
}

/** The whole provisioning decision for one user. */
export interface Decision {
  readonly action: DecisionAction;
  /** What to write: every field on create; only the changed ones on update/reactivate; the disabling field on disable. */
  readonly fields: Readonly<Record<string, SalesforceFieldValue>>;
  readonly modifiedProperties: readonly ModifiedProperty[];
  readonly permissionSets: PermissionSetChanges;
  readonly groupMemberships: GroupMembershipChanges;
  /** Permission set groups (DeveloperNames) to assign and remove. */
  readonly permissionSetGroups: PermissionSetChanges;
  /** Permission set licences (DeveloperNames) to assign and remove. */
  readonly permissionSetLicenses: PermissionSetChanges;
  readonly reasons: readonly Reason[];
  readonly inScope: boolean;
  /** The key to match an unlinked user with, in precedence order's first available; null when none has a value. */
  readonly matchingKey: MatchingKey | null;
  /** The durable link (the mapping's `link.field` and the Entra object id); null when the mapping declares none. */
  readonly link: { readonly field: string; readonly value: string } | null;
  /**
   * A `disable` of a user Provision has no memory of (`options.memoryLost`): only a Salesforce user
   * that carries this user's link is disabled, never one the matching attribute alone finds.
   */
  readonly linkedOnly: boolean;
  /**
   * The whole desired state behind the decision (empty when out of scope): `update` is every field
   * kept in step, `create` the fields a missing user is created with. A command that carries them
   * converges Salesforce whatever an earlier, failed command left behind.
   */
  readonly desired: {
    readonly update: Readonly<Record<string, SalesforceFieldValue>>;
    readonly create: Readonly<Record<string, SalesforceFieldValue>>;
  };
}

/** What Provision wants the Salesforce user to look like, before comparing with Salesforce. */
export interface DesiredState {
  readonly inScope: boolean;
  /** The resolved app role (Salesforce profile name), or null. */
  readonly role: string | null;
  /** The fields of a create: every mapping, defaults applied. */
  readonly createFields: Readonly<Record<string, SalesforceFieldValue>>;
  /** The fields kept in step on update: mappings applied always, no defaults (Entra applies defaults on create only). */
  readonly updateFields: Readonly<Record<string, SalesforceFieldValue>>;
  /** Permission sets the group rules grant this user. */
  readonly permissionSets: readonly string[];
  /** Public groups and queues the group rules make this user a member of, sorted by type then name. */
  readonly groupMemberships: readonly GroupRef[];
  /** Feature licences (`UserPermissions*` fields) the featureLicenseRules grant this user, sorted. */
  readonly featureLicenses?: readonly string[];
  /** Permission set groups the group rules assign this user (DeveloperNames, sorted). */
  readonly permissionSetGroups: readonly string[];
  /** Permission set licences the group rules give this user (DeveloperNames, sorted). */
  readonly permissionSetLicenses: readonly string[];
  readonly reasons: readonly Reason[];
}

/** Options of decide() and desiredState(); all optional. */
export interface DecideOptions {
  /** Injected sources for `Now()`, `Guid()` and `RandomString()`, so a decision is reproducible. */
  readonly expression?: { now?: () => Date; newGuid?: () => string; random?: () => number };
  /** What Provision granted before (kept by the mapper), so it removes only its own grants. */
  readonly granted?: {
    readonly permissionSets?: readonly string[];
    readonly userRole?: string | null;
    readonly groupMemberships?: readonly GroupRef[];
    /** Feature licence fields Provision ticked (`UserPermissionsMarketingUser`, …). */
    readonly featureLicenses?: readonly string[];
    readonly permissionSetGroups?: readonly string[];
    readonly permissionSetLicenses?: readonly string[];
  };
  /**
   * Salesforce may hold this user although `current` is null: a command for it was sent and its
   * outcome is unknown (it failed, or a pre-existing user was about to be matched). Out of scope,
   * such a user is disabled — the writer finds it by link or matching attribute, or reports it absent.
   */
  readonly mayExist?: boolean;
  /**
   * The caller's memory of which users Provision provisioned was lost (the mapper's Redis was
   * emptied). Out of scope with `current` null, a user is then disabled `linkedOnly`, when the
   * mapping declares a link: a user Provision had provisioned carries it, any other does not.
   */
  readonly memoryLost?: boolean;
  /**
   * An admin asked about a user the caller never knew (provision on demand of a user Graph no
   * longer has): out of scope with `current` null, it is disabled `linkedOnly`, as after a lost memory.
   */
  readonly unknownUserAsked?: boolean;
  /**
   * Under `deprovisioning: freezeThenDeactivate`: the time now, and when Provision froze the user
   * (its deadline runs from then; unknown, the freeze is taken as made now). A frozen user still
   * out of scope `deactivateAfterDays` after `frozenAt` is deactivated.
   */
  readonly freeze?: { readonly now: Date; readonly frozenAt?: Date | undefined };
}
