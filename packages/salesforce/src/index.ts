export {
  DEFAULT_API_VERSION,
  jwtAudience,
  PRODUCTION_LOGIN_URL,
  resolveLoginUrl,
  SANDBOX_LOGIN_URL,
  type SalesforceAuth,
  type SalesforceConnectionOptions,
  signJwtAssertion,
} from './auth.ts';
export { classifyLoginError, classifySalesforceError, salesforceError } from './classify.ts';
export { assignEntitlementsInTurn } from './entitlement-steps.ts';
export { SALESFORCE_ERROR_CODES, type SalesforceErrorCode } from './error-codes.ts';
export { FEATURE_LICENSE_QUERY, type FeatureLicenseCount, featureLicenseCounts } from './feature-licences.ts';
export { SalesforceGatewayError } from './gateway-error.ts';
export { type InMemoryProfile, InMemorySalesforceGateway } from './in-memory-gateway.ts';
export { DEFAULT_USER_FIELDS, JsforceSalesforceGateway } from './jsforce-gateway.ts';
export { chunkInQueries, soqlString } from './soql.ts';
export type {
  ApiUsage,
  AssignPermissionSetsOptions,
  ConnectionReport,
  DeactivateOptions,
  EntitlementStep,
  EntitlementStepResult,
  FoundSalesforceUser,
  GroupMembershipChange,
  GroupMembershipResult,
  GroupMemberships,
  GroupRef,
  PermissionSetChange,
  PermissionSetResult,
  SalesforceError,
  SalesforceGateway,
  SalesforceProfile,
  SalesforceUserInput,
  SalesforceUserUpdate,
  WriteResult,
} from './types.ts';
export type {
  FoundBy,
  LookupAttempt,
  SalesforceFieldValue,
  SalesforceUserRead,
  SalesforceUserRecord,
} from './user-record.ts';
