export { attributeOf } from './attributes.ts';
export {
  formatPath,
  formatProblem,
  type LocatedProblem,
  loadMappingConfig,
  type ParseConfigResult,
  parseMappingConfig,
} from './config/parse-config.ts';
export {
  type AttributeMapping,
  type EntitlementMode,
  type FeatureLicenseRule,
  type GroupMembershipRule,
  type MappingConfig,
  type MappingConfigInput,
  MappingConfigSchema,
  type PermissionSetGroupRule,
  type PermissionSetLicenseRule,
  type PermissionSetRule,
  type RoleRule,
  SCOPING_OPERATORS,
  type ScopingClause,
  type ScopingFilter,
  type ScopingOperator,
} from './config/schema.ts';
export { type ConfigProblem, describeExpressionError } from './config/semantic-checks.ts';
export { deactivationDue, decide } from './decide.ts';
export { DEFAULT_MAPPING_YAML, defaultMappingConfig } from './default-mapping.ts';
export {
  desiredState,
  expressionSource,
  matchingKey,
  matchingKeys,
  type ScopeVerdict,
  scopeOf,
} from './desired-state.ts';
export { CASE_INSENSITIVE_FIELDS, diffFields, sameValue } from './diff.ts';
export {
  FEATURE_LICENSES,
  featureLicenseLabel,
  isFeatureLicense,
  namedFeatureLicenses,
} from './feature-licences.ts';
export { FIELD_MAX_LENGTHS, REQUIRED_ON_CREATE } from './field-checks.ts';
export {
  commandedGroupChanges,
  GROUP_FIELDS,
  groupKey,
  groupMembershipChanges,
  groupRefs,
  namedGroups,
} from './group-memberships.ts';
export {
  commandedNamedChanges,
  grantedNames,
  NAMED_ENTITLEMENTS,
  NAMED_FIELDS,
  type NamedEntitlement,
  namedChanges,
  namedNames,
} from './named-entitlements.ts';
export {
  DEFAULT_ACCESS_ROLE_ID,
  effectiveAssignments,
  type HeldRole,
  isDefaultAccess,
  type MultipleRolesPolicy,
  type RoleResolution,
  resolveRole,
} from './roles.ts';
// Salesforce's User picklists and required fields: `@provision/mapping/salesforce-user`.
export { describeClause, evaluateClause, evaluateScopingFilters, type ScopingResult } from './scoping.ts';
export { sourceAttributes } from './source-attributes.ts';
export {
  type AppRoleAssignment,
  type CurrentSalesforceUser,
  type DecideOptions,
  type Decision,
  type DecisionAction,
  type DesiredState,
  type EntraAttributeValue,
  type EntraUser,
  type GroupMembershipChanges,
  type GroupRef,
  type GroupType,
  type MatchingKey,
  type ModifiedProperty,
  type PermissionSetChanges,
  REASON_CODES,
  type Reason,
  type ReasonCode,
  type SalesforceFieldValue,
} from './types.ts';
