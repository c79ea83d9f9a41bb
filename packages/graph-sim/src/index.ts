export { SimAdmin } from './admin.ts';
export { ensureCertificates, type SimCertificates, trustCertificate } from './certificates.ts';
export type { Fault, ThrottlePolicy } from './faults.ts';
export { seededRandom } from './ids.ts';
export { BATCH_LIMIT } from './routes/batch-routes.ts';
export { SALESFORCE_PROFILES, type SeedOptions, type SeedResult } from './seed.ts';
export { type GraphSim, type GraphSimConnection, type GraphSimOptions, startGraphSim } from './server.ts';
export { type DeliveryRecord, type DeliveryRetry, MAX_SUBSCRIPTION_MINUTES } from './subscriptions.ts';
export { type AppRole, type AppRoleAssignment, DEFAULT_ACCESS_ROLE_ID, Tenant } from './tenant/tenant.ts';
