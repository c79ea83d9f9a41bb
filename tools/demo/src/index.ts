export {
  type AuditApi,
  type AuditTarget,
  auditFetch,
  auditUrlOf,
  clientCredentials,
  registerAuditApi,
} from './audit-api.ts';
export { addSalesOperations, SALES_OPERATIONS, withDemoEntitlements } from './entitlements.ts';
export { type Pipeline, type PipelineOptions, startPipeline } from './pipeline.ts';
export {
  onFreePort,
  onFreePorts,
  SERVICE_ENV,
  SERVICE_NODE_FLAGS,
  type ServiceLaunch,
  type ServiceName,
  type ServiceProcess,
  type StartServiceOptions,
  startService,
  startServiceOnFreePort,
} from './processes.ts';
export { fetchSyncStatus, type SyncStatusView, waitForInitialSync } from './progress.ts';
export { auditSchemaOf, deleteRunTopics, removeRunData } from './run-data.ts';
export { importProfilesAsRoles, LINK_FIELD, type Simulators, startSimulators } from './simulators.ts';
export { type ExampleSubscriber, type SubscriberSummary, startExampleSubscriber } from './subscriber.ts';
export { formatSummary, type LogEntry, provisioningLog, type Summary, summarise } from './summary.ts';
