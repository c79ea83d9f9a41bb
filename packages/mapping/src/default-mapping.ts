import { loadMappingConfig } from './config/parse-config.ts';
import type { MappingConfig } from './config/schema.ts';

/**
 * The default configuration: Entra's Salesforce default mapping, as an admin reads it in
 * `packages/mapping/config/default-mapping.yaml`. Embedded so the services need no file; a test
 * keeps the two identical.
 */
export const DEFAULT_MAPPING_YAML = `# Provision mapping configuration: Entra ID users -> Salesforce users.
#
# This is the Salesforce gallery app's default mapping in Entra ("Synchronize Azure Active Directory
# Users to salesforce.com", Graph objectMapping sample). Copy it, edit it, and check it with
#   pnpm provision mapping check <file>
#
# Each mapping writes one Salesforce field (target) from one of:
#   source: <Entra attribute>      copied as is
#   constant: <value>              always this value
#   expression: <Entra expression> the attribute-mapping expression language
#   (none of them)                 Entra's mapping type "None": only the default, on create
# default:  used on create only, when the mapping yields null (Entra never writes null).
# apply:    always (default) | onCreate (written when the user is created, never updated).
# matchingPrecedence: makes the mapping a matching attribute; 1 is tried first.
version: 1

# assignedUsersAndGroups: users assigned to the app, directly or through a group they are a direct
# member of (nested groups are not expanded). allUsers: every user (app roles then don't apply).
scope: assignedUsersAndGroups

# Scoping filters are ORed; the clauses of one filter are ANDed. Operators: EQUALS, NOT EQUALS,
# Includes, ENDS_WITH, REGEX MATCH, NOT REGEX MATCH (case-sensitive), IS TRUE, IS FALSE, IS NULL,
# IS NOT NULL, Greater_Than, Greater_Than_OR_EQUALS (integers), & and !& (the attribute occurs / does
# not occur in the value). Every operator but IS NULL is false on an empty attribute.
scopingFilters: []
#  - name: Sales and support
#    clauses:
#      - { attribute: department, operator: REGEX MATCH, value: "^(Sales|Support)$" }
#      - { attribute: accountEnabled, operator: IS TRUE }

# What happens to a user who leaves the scope (unassigned, filtered out, disabled or deleted in
# Entra): deactivate (IsActive = false, frees the licence), freeze (UserLogin.IsFrozen = true, keeps
# the licence, no sign-in), freezeThenDeactivate (frozen at once, deactivated deactivateAfterDays
# later if still out of scope; back in scope before then, unfrozen) or none (leave the Salesforce
# user as is; Entra's SkipOutOfScopeDeletions). deactivateAfterDays takes decimals (0.5 = 12 h).
deprovisioning:
  action: deactivate
# deprovisioning:
#   action: freezeThenDeactivate
#   deactivateAfterDays: 30

# The durable link (recommended): a custom Text field on User (length 36 or more, External ID,
# Unique) where Provision writes each user's Entra object id, and by which it finds them first. It
# keeps renamed users from being created twice and leavers from staying active after Redis is lost.
# link:
#   field: EntraObjectId__c

# Check LocaleSidKey, LanguageLocaleKey, TimeZoneSidKey and EmailEncodingKey against Salesforce's
# values before writing them.
validatePicklists: true

mappings:
  - target: IsActive
    expression: Not([IsSoftDeleted])
    default: "True"
  - target: Alias
    expression: Mid([userPrincipalName], 1, 8)
  - target: Email
    source: mail
  - target: EmailEncodingKey
    default: ISO-8859-1
  - target: LanguageLocaleKey
    default: en_US
  - target: FirstName
    source: givenName
  - target: LastName
    source: surname
    default: "."
  - target: LocaleSidKey
    expression: Replace([preferredLanguage], "-", , , "_", , )
    default: en_US
  # The user's app role (a Salesforce profile imported into Entra). "Default Access" is not a
  # profile: users holding only it are out of scope.
  - target: ProfileName
    expression: SingleAppRoleAssignment([appRoleAssignments])
    default: Chatter Free User
  - target: TimeZoneSidKey
    default: America/Los_Angeles
  - target: Username
    source: userPrincipalName
    matchingPrecedence: 1
  - target: UserPermissionsCallCenterAutoLogin
    default: "False"
  - target: UserPermissionsMarketingUser
    default: "False"
  - target: UserPermissionsOfflineUser
    default: "False"
  # Not in Entra's default mapping; must be unique in the org (DUPLICATE_COMM_NICKNAME otherwise).
  # - target: CommunityNickname
  #   source: mailNickname
  #   apply: onCreate
# A user holding two or more distinct app roles (profiles): conflict (Entra's behaviour: the user is
# left as is and the conflict logged as an error), precedence (the first role of the list the user
# holds wins; the others are named in a warning) or refuse (the user is out of scope: never created,
# deactivated if in Salesforce, until one role remains).
multipleRoles:
  policy: conflict
#  policy: precedence
#  precedence: [System Administrator, Standard User]

# Salesforce role (UserRole DeveloperName or Name) from group membership: the first rule whose group
# the user is a direct member of wins. entitlementModes.role: merge (the default) clears only a role
# Provision set itself; authoritative takes the role from the rules only (no rule: no role).
roleRules: []
#  - { group: 00000000-0000-0000-0000-000000000000, role: Sales Rep }

# Permission sets (PermissionSet.Name) from group membership: every matching rule adds its sets.
# entitlementModes.permissionSets: merge (the default) removes only assignments Provision made
# itself; authoritative also removes the other sets the rules name.
permissionSetRules: []
#  - { group: 00000000-0000-0000-0000-000000000000, permissionSets: [Sales_Cloud_User] }

# Permission set groups and permission set licences (by DeveloperName) from group membership, each
# with its mode as above. Licences are given before the sets and groups that need them, and counted
# first: a user past the count fails as SalesforceLicenseLimitExceeded naming the licence.
# permissionSetGroupRules:
#  - { group: 00000000-0000-0000-0000-000000000000, permissionSetGroups: [Console_Agents] }
# permissionSetLicenseRules:
#  - { group: 00000000-0000-0000-0000-000000000000, permissionSetLicenses: [SalesConsoleUser] }

# Public groups and queues (Group DeveloperName) from group membership: every matching rule adds its
# groups and queues. entitlementModes.groupMembership: merge (the default) removes only memberships
# Provision made itself; authoritative also removes other memberships of the groups the rules name.
# groupMembershipRules:
#  - { group: 00000000-0000-0000-0000-000000000000, publicGroups: [Sales_Team], queues: [Leads_Queue] }
# Feature licences (the User checkboxes UserPermissionsMarketingUser, ...SupportUser, ...KnowledgeUser,
# ...InteractionUser, ...) from a group, an expression on attributes (when), or both. They are counted:
# a user finding none left is provisioned without it, with a SalesforceLicenseLimitExceeded warning.
# entitlementModes.featureLicense: merge (the default) unticks only licences Provision ticked;
# authoritative unticks every licence the rules name for a user no rule grants it to.
# featureLicenseRules:
#  - { group: 00000000-0000-0000-0000-000000000000, featureLicenses: [UserPermissionsMarketingUser] }
#  - { when: 'Switch([department], "False", "Support", "True")', featureLicenses: [UserPermissionsSupportUser] }

# entitlementModes:
#   groupMembership: merge
#   permissionSets: merge
#   permissionSetGroups: merge
#   permissionSetLicenses: merge
#   featureLicense: merge
#   role: merge
`;

let cached: MappingConfig | undefined;

/** The default configuration, validated (and frozen). */
export function defaultMappingConfig(): MappingConfig {
  cached ??= loadMappingConfig(DEFAULT_MAPPING_YAML);
  return cached;
}
