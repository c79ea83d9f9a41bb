import type { ProvisioningResultV1 } from '@provision/events';

export type ApiOperation =
  | 'query'
  | 'create'
  | 'update'
  | 'permissionSets'
  | 'groupMemberships'
  | 'permissionSetGroups'
  | 'permissionSetLicenses'
  /** Several kinds of entitlement change in one directory call (`assignEntitlements`). */
  | 'entitlements';

/** What the writer reports as it works; the metrics adapter turns it into Prometheus series. */
export interface WriterObserver {
  apiCall(operation: ApiOperation, outcome: 'ok' | 'error'): void;
  batch(operation: ApiOperation, size: number): void;
  result(result: ProvisioningResultV1, issuedAt: string): void;
  quarantine(active: boolean): void;
  /** Batches are held because an admin paused provisioning (true), or go to Salesforce again (false). */
  paused(active: boolean): void;
}

export const NO_OBSERVER: WriterObserver = {
  apiCall: () => {},
  batch: () => {},
  result: () => {},
  quarantine: () => {},
  paused: () => {},
};
