// The shapes the console reads from the audit API (see services/audit/src/domain). Written out here
// so the web app depends on no server code; the browser test reads real answers through them.

export type LogStatus = 'success' | 'failure' | 'skipped' | 'warning' | 'pending';

export interface ProvisioningStep {
  name: string;
  provisioningStepType: 'import' | 'scoping' | 'matching' | 'processing' | 'export';
  status: LogStatus;
  description: string;
}

export interface Reason {
  code: string;
  message: string;
}

export interface LogEntry {
  id: string;
  commandId: string;
  changeId: string;
  cycleId: string | null;
  activityDateTime: string;
  action: string;
  status: LogStatus;
  durationInMilliseconds: number | null;
  sourceIdentity: { id: string; userPrincipalName: string | null };
  targetIdentity: { id: string | null; linkedBy: string | null };
  modifiedProperties: { displayName: string; oldValue: unknown; newValue: unknown }[];
  provisioningSteps: ProvisioningStep[];
  errorInfo: {
    errorCode: string;
    reason: string;
    recommendedAction: string | null;
    retriable: boolean;
    fields: string[];
  } | null;
  reasons: Reason[];
  dryRun: boolean;
  origin: 'sync' | 'on-demand' | null;
  initiatedBy: { kind: string; id: string; name: string } | null;
  attempt: number | null;
  issuedAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  desiredFields?: Record<string, unknown>;
}

export interface LogPage {
  items: LogEntry[];
  nextCursor: string | null;
}

export interface SyncRun {
  syncId: string;
  mode: string;
  startedAt: string | null;
  completedAt: string | null;
  counts: Record<string, number> | null;
  state?: string;
}

export interface SyncStatus {
  fullSync: SyncRun | { state: 'not-started' };
  initialSyncCompleted: boolean;
  latestSync: SyncRun | null;
  progress: { since: string | null; commandsIssued: number; resultsReceived: number; pending: number };
  counts: {
    byStatus: Record<string, number>;
    byAction: Record<string, number>;
    byErrorCode: Record<string, number>;
    byOutcome: Record<string, number>;
  };
  lastChange: { userId: string; action: string; status: string; completedAt: string } | null;
  deadLetters: { total: number; latestAt: string | null };
  quarantine: Record<string, unknown> | null;
  /** Who last cleared the writers' quarantine, and when. */
  quarantineLastCleared?: { at: string; by: Initiator | null } | null;
  /** While an admin has paused provisioning: who, since when, why. */
  paused?: { since?: string; by?: Initiator; reason?: string | null; unknown?: boolean } | null;
  generatedAt: string;
}

export interface DeadLetter {
  id: string;
  receivedAt: string;
  sourceTopic: string;
  key: string | null;
  errorCode: string | null;
  reason: string;
}

export interface Assignment {
  principalId: string;
  principalType: 'User' | 'Group';
  appRoleId: string;
  roleValue: string | null;
  principalDisplayName?: string;
}

export interface EntraPicture {
  userId: string;
  picture: {
    known: boolean;
    removal: 'soft' | 'hard' | null;
    attributes: Record<string, unknown>;
    groups: Record<string, unknown[]>;
    assignments: Assignment[];
    commanded: Record<string, unknown> | null;
    granted: { permissionSets: string[]; userRole: string | null };
    lastSeenSyncId: string | null;
  };
  decision: {
    action: string;
    inScope: boolean;
    reasons: Reason[];
    matchingKey: { attribute: string; value: string } | null;
    modifiedProperties: { name: string; oldValue?: unknown; newValue?: unknown }[];
    desired: { update: Record<string, unknown>; create: Record<string, unknown> };
    wouldEmit: boolean;
  };
  dryRun: boolean;
}

export interface MappingConfig {
  version: number;
  scope: string;
  scopingFilters: { name?: string; clauses: { attribute: string; operator: string; value?: string }[] }[];
  deprovisioning: { action: string; deactivateAfterDays?: number };
  multipleRoles?: { policy: string; precedence: string[] };
  usernameCollision?: { suffix: string };
  validatePicklists: boolean;
  mappings: {
    target: string;
    source?: string;
    constant?: string | boolean;
    expression?: string;
    default?: string | boolean;
    apply: string;
    matchingPrecedence?: number;
    type?: string;
  }[];
  roleRules: { group: string; role: string }[];
  permissionSetRules: { group: string; permissionSets: string[] }[];
}

export type ExpressionAnswer =
  | { ok: true; result: unknown; ignored: boolean; attributes: string[] }
  | { ok: false; stage: 'syntax' | 'evaluation'; message: string; column: number | null; attributes: string[] };

export interface WriterCapacity {
  budget: { usedThisWindow: number; perMinute: number | null; windowEndsInMs: number | null };
  concurrency: { limit: number | null; inFlight: number };
}

export interface MappingPreview {
  sampled: number;
  changed: number;
  warnings: string[];
  users: {
    userId: string;
    userPrincipalName: string | null;
    current: { action: string; inScope: boolean };
    proposed: { action: string; inScope: boolean; reasons: Reason[] };
    fields: { name: string; current: unknown; proposed: unknown }[];
  }[];
}

export interface GroupLag {
  group: string;
  topic: string;
  lag: number;
}

/** The writer's read of one user's live Salesforce record (`/api/console/users/:id/salesforce`). */
export interface SalesforceRecord {
  userId: string;
  foundBy: 'stored-link' | 'link-field' | 'matching-attribute';
  salesforce: {
    id: string;
    username: string | null;
    isActive: boolean | null;
    profileName: string | null;
    userRole: string | null;
    lastModifiedDate: string | null;
    fields: Record<string, unknown>;
    permissionSets: string[] | null;
  };
  tried: { by: string; attribute: string; value: string; found: string[] }[];
  link: { field: string } | null;
  apiCalls: number;
  readAt: string;
}

/** The last mapping change the mappers applied. */
export interface MappingChange {
  fingerprint: string;
  previous: string;
  changeId: string;
  summary: string;
  changes: { kind: string; key: string; change: 'added' | 'changed' | 'removed' }[] | null;
  startedAt: string;
  partitions: { partition: number; reevaluated: number; commands: Record<string, number>; at: string }[];
}

/** Who acted: a signed-in admin or an app. */
export interface Initiator {
  kind: string;
  id: string;
  name: string;
}

/** What a restart of provisioning answers. */
export interface RestartAnswer {
  restartedAt: string;
  fullSync: 'requested' | 'after-resume';
  quarantineLifted: Record<string, unknown> | null;
}
