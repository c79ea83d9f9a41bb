import type { ProvisioningLogEntry } from './log-entry.ts';

/** Columns of the CSV export, in order: Entra's download, flattened into one file. */
export const CSV_COLUMNS = [
  'activityDateTime',
  'commandId',
  'changeId',
  'cycleId',
  'action',
  'provisioningAction',
  'status',
  'sourceId',
  'sourceUserPrincipalName',
  'targetId',
  'linkedBy',
  'errorCode',
  'reason',
  'recommendedAction',
  'durationInMilliseconds',
  'modifiedProperties',
  'reasons',
  'dryRun',
  'attempt',
] as const;

/**
 * One RFC 4180 field. Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR)
 * is prefixed with `'` (OWASP's CSV-injection advice): names and reasons come from the directory.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** `Name: old → new; …` as the Modified Properties tab reads. */
export function formatModified(props: ProvisioningLogEntry['modifiedProperties']): string {
  return props.map((p) => `${p.displayName}: ${formatValue(p.oldValue)} → ${formatValue(p.newValue)}`).join('; ');
}

/** A CSV row (CRLF-terminated) for one entry. */
export function csvRow(e: ProvisioningLogEntry): string {
  const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    activityDateTime: e.activityDateTime,
    commandId: e.commandId,
    changeId: e.changeId,
    cycleId: e.cycleId,
    action: e.action,
    provisioningAction: e.provisioningAction,
    status: e.status,
    sourceId: e.sourceIdentity.id,
    sourceUserPrincipalName: e.sourceIdentity.userPrincipalName,
    targetId: e.targetIdentity.id,
    linkedBy: e.targetIdentity.linkedBy,
    errorCode: e.errorInfo?.errorCode,
    reason: e.errorInfo?.reason,
    recommendedAction: e.errorInfo?.recommendedAction,
    durationInMilliseconds: e.durationInMilliseconds,
    modifiedProperties: formatModified(e.modifiedProperties),
    reasons: e.reasons.map((r) => `${r.code}: ${r.message}`).join('; '),
    dryRun: e.dryRun,
    attempt: e.attempt,
  };
  return `${CSV_COLUMNS.map((c) => csvField(values[c])).join(',')}\r\n`;
}

/** The header line plus one line per entry. */
export function toCsv(entries: readonly ProvisioningLogEntry[]): string {
  return `${CSV_COLUMNS.join(',')}\r\n${entries.map(csvRow).join('')}`;
}
