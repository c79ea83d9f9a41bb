export {
  AdminError,
  type AdminUser,
  type OrgChanges,
  type OrgSummary,
  type PermissionSetGroupStatus,
  SimAdmin,
} from './admin.ts';
export type { RestError, SaveError, SaveResult } from './errors.ts';
export type { FaultConfig } from './faults.ts';
export {
  INSTANT,
  type ModelChange,
  type Operation,
  type PerformanceModel,
  PROFILES,
  REALISTIC,
} from './model.ts';
export type { OrgLoad, OrgSettings } from './org.ts';
export type { OrgCredentials, OrgSeed, PermissionFlags, UserSeed } from './seed.ts';
export { buildSimApp, type SalesforceSim, type SalesforceSimOptions, startSalesforceSim } from './server.ts';
export { parseSoql, type SoqlQuery, SoqlSyntaxError } from './soql.ts';
export { DEACTIVATION_BLOCKERS, FEATURE_LICENCES } from './user-rules.ts';
