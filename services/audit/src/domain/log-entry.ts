import type { CommandAction, Initiator, ModifiedProperty, Reason, ResultStatus } from '@provision/events';

/** A log row's status: Entra's four, plus `pending` while a command waits for its result. */
export type LogStatus = ResultStatus | 'pending';

/** The stored row: one command joined with its result (either may be missing). */
export interface LogRecord {
  commandId: string;
  changeId: string;
  userId: string;
  action: CommandAction;
  status: LogStatus;
  cycleId: string | null;
  userPrincipalName: string | null;
  matching: { attribute: string; value: string } | null;
  salesforceId: string | null;
  linkedBy: 'created' | 'matched' | 'link' | 'none' | null;
  reasons: Reason[];
  fields: Record<string, unknown>;
  /** The diff the writer reports (falls back to the mapper's intended diff). */
  modifiedProperties: ModifiedProperty[];
  error: {
    code: string;
    message: string;
    retriable: boolean;
    fields: string[];
    recommendedAction: string | null;
  } | null;
  dryRun: boolean;
  origin: 'sync' | 'on-demand' | null;
  /** Who asked for the command (a guard release, provision on demand), when a person or an app did. */
  initiatedBy: Initiator | null;
  attempt: number | null;
  issuedAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  activityAt: string;
  hasCommand: boolean;
  hasResult: boolean;
}

/** Entra's `provisioningStep`. */
export interface ProvisioningStep {
  name: string;
  provisioningStepType: 'import' | 'scoping' | 'matching' | 'processing' | 'export';
  status: LogStatus;
  description: string;
}

/** What the API answers: Entra's `provisioningObjectSummary`, plus Provision's own facts. */
export interface ProvisioningLogEntry {
  id: string;
  commandId: string;
  changeId: string;
  cycleId: string | null;
  activityDateTime: string;
  /** Entra's vocabulary: create, update, disable, other. */
  provisioningAction: 'create' | 'update' | 'disable' | 'other';
  /** Provision's own: create, update, disable, reactivate, skip. */
  action: CommandAction;
  status: LogStatus;
  durationInMilliseconds: number | null;
  sourceIdentity: { id: string; type: 'User'; userPrincipalName: string | null };
  targetIdentity: { id: string | null; type: 'User'; linkedBy: LogRecord['linkedBy'] };
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
  origin: LogRecord['origin'];
  initiatedBy: LogRecord['initiatedBy'];
  attempt: number | null;
  issuedAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

/** A page of `GET /api/provisioning-logs`: the entries, and the cursor of the next page (null: the last). */
export interface ProvisioningLogPage {
  items: ProvisioningLogEntry[];
  nextCursor: string | null;
}

const ENTRA_ACTION = {
  create: 'create',
  update: 'update',
  reactivate: 'update',
  disable: 'disable',
  skip: 'other',
} as const satisfies Record<CommandAction, ProvisioningLogEntry['provisioningAction']>;

// Attributes whose value is the user's UPN (or the mapped copy of it in Salesforce).
const UPN_ATTRIBUTES = new Set(['userprincipalname', 'username', 'federationidentifier', 'mail', 'email']);

/** The UPN when the command's matching value carries it (`Username` ← `userPrincipalName` by default). */
export function upnFromMatching(matching: { attribute: string; value: string } | null): string | null {
  if (matching === null || !UPN_ATTRIBUTES.has(matching.attribute.toLowerCase())) return null;
  return matching.value.includes('@') ? matching.value : null;
}

/** Turns a stored row into the entry admins read, with Entra-style steps. */
export function toLogEntry(r: LogRecord): ProvisioningLogEntry {
  return {
    id: r.commandId,
    commandId: r.commandId,
    changeId: r.changeId,
    cycleId: r.cycleId,
    activityDateTime: r.activityAt,
    provisioningAction: ENTRA_ACTION[r.action],
    action: r.action,
    status: r.status,
    durationInMilliseconds: r.durationMs,
    sourceIdentity: { id: r.userId, type: 'User', userPrincipalName: r.userPrincipalName },
    targetIdentity: { id: r.salesforceId, type: 'User', linkedBy: r.linkedBy },
    modifiedProperties: r.modifiedProperties.map((p) => ({
      displayName: p.name,
      oldValue: p.oldValue ?? null,
      newValue: p.newValue ?? null,
    })),
    provisioningSteps: stepsOf(r),
    errorInfo:
      r.error === null
        ? null
        : {
            errorCode: r.error.code,
            reason: r.error.message,
            recommendedAction: r.error.recommendedAction,
            retriable: r.error.retriable,
            fields: r.error.fields,
          },
    reasons: r.reasons,
    dryRun: r.dryRun,
    origin: r.origin,
    initiatedBy: r.initiatedBy,
    attempt: r.attempt,
    issuedAt: r.issuedAt,
    startedAt: r.startedAt,
    completedAt: r.completedAt,
  };
}

/** Import, scoping, matching, processing and export, as Entra's "Steps" tab shows them. */
export function stepsOf(r: LogRecord): ProvisioningStep[] {
  const steps: ProvisioningStep[] = [];
  steps.push({
    name: 'EntryImport',
    provisioningStepType: 'import',
    status: 'success',
    description: `Received user '${r.userPrincipalName ?? r.userId}' from Microsoft Entra ID (change ${r.changeId})`,
  });
  const why = r.reasons.map((x) => x.message).join('; ');
  steps.push({
    name: 'EntrySynchronizationScoping',
    provisioningStepType: 'scoping',
    status: r.action === 'skip' ? 'skipped' : 'success',
    description: why || (r.hasCommand ? 'In scope' : 'The command has not been logged yet'),
  });
  steps.push(matchingStep(r));
  const target = r.salesforceId === null ? 'Salesforce user' : `Salesforce user ${r.salesforceId}`;
  steps.push({
    name: 'EntryExportDecision',
    provisioningStepType: 'processing',
    status: r.action === 'skip' ? 'skipped' : 'success',
    description: r.dryRun ? `Dry run: would ${r.action} ${target}` : `Decided to ${r.action} ${target}`,
  });
  steps.push({
    name: 'EntryExport',
    provisioningStepType: 'export',
    status: r.status,
    description: exportDescription(r, target),
  });
  return steps;
}

function matchingStep(r: LogRecord): ProvisioningStep {
  const base = { name: 'EntryMatching', provisioningStepType: 'matching' as const };
  const by = r.matching === null ? 'no matching attribute' : `${r.matching.attribute} = '${r.matching.value}'`;
  switch (r.linkedBy) {
    case 'matched':
      return { ...base, status: 'success', description: `Matched Salesforce user ${r.salesforceId} by ${by}` };
    case 'link':
      return { ...base, status: 'success', description: `Found the linked Salesforce user ${r.salesforceId}` };
    case 'created':
      return { ...base, status: 'success', description: `No Salesforce user matched ${by}; a new one is created` };
    case 'none':
      return { ...base, status: 'skipped', description: `No Salesforce user found by ${by}` };
    default:
      return { ...base, status: 'pending', description: `Will look up the Salesforce user by ${by}` };
  }
}

function exportDescription(r: LogRecord, target: string): string {
  if (!r.hasResult) return 'Waiting for the writer';
  if (r.error !== null) return `${r.error.code}: ${r.error.message}`;
  if (r.status === 'skipped') return `Nothing to do for ${target}`;
  return `${r.action} ${target}: ${r.status}${r.attempt !== null && r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}`;
}
