// The shapes the console reads from the APIs it calls. The audit's own answers are the service's
// types, imported type-only (nothing of the server's code reaches the bundle); the shapes of the other
// services' answers, reached through the audit's console routes, are written out below, but for the
// writer's Salesforce read, whose type @provision/salesforce owns.
import type { Initiator, Reason } from '@provision/events';
import type { SalesforceUserRead } from '@provision/salesforce/user-record';
import type {
  LogStatus,
  ProvisioningLogEntry,
  ProvisioningLogPage,
  ProvisioningStep,
} from '../../src/domain/log-entry.ts';
import type { DeadLetterRecord } from '../../src/domain/ports.ts';
import type { SyncStatus as AuditSyncStatus } from '../../src/domain/sync-status.ts';
import type { GroupLag, WriterCapacity } from '../../src/http/console-api.ts';

export type { GroupLag, Initiator, LogStatus, ProvisioningStep, Reason, WriterCapacity };

/** A log entry as `/api/provisioning-logs/:commandId` answers it: with the fields the mapper asked for. */
export type LogEntry = ProvisioningLogEntry & { desiredFields?: Record<string, unknown> };

/** A page of `/api/provisioning-logs`. */
export type LogPage = ProvisioningLogPage;

/**
 * `/api/sync-status`. The service passes the pause and the last quarantine clear through from the
 * ingestor's Redis keys without typing them; the console reads them as the ingestor writes them.
 */
export type SyncStatus = Omit<AuditSyncStatus, 'paused' | 'quarantineLastCleared'> & {
  /** Who last cleared the writers' quarantine, and when. */
  quarantineLastCleared: { at: string; by: Initiator | null } | null;
  /** While an admin has paused provisioning: who, since when, why (`unknown`: Redis did not answer). */
  paused: { since?: string; by?: Initiator; reason?: string | null; unknown?: boolean } | null;
};

/** A stored dead letter, as `/api/dead-letters` lists them. */
export type DeadLetter = DeadLetterRecord;

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

/** The writer's read of one user's live Salesforce record (`/api/console/users/:id/salesforce`). */
export type SalesforceRecord = SalesforceUserRead;

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

/** What a restart of provisioning answers. */
export interface RestartAnswer {
  restartedAt: string;
  fullSync: 'requested' | 'after-resume';
  quarantineLifted: Record<string, unknown> | null;
}
