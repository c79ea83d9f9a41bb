/** The part of an audit log entry (Entra's provisioningObjectSummary) the CLI shows. */
export interface LogEntry {
  readonly commandId: string;
  readonly activityDateTime: string;
  readonly action: string;
  readonly status: string;
  readonly durationInMilliseconds?: number | null;
  readonly dryRun?: boolean;
  readonly origin?: string | null;
  readonly sourceIdentity: { readonly id: string; readonly userPrincipalName?: string | null };
  readonly targetIdentity?: { readonly id?: string | null; readonly linkedBy?: string | null };
  readonly modifiedProperties?: readonly { displayName: string; oldValue: unknown; newValue: unknown }[];
  readonly errorInfo?: { errorCode: string; reason: string; recommendedAction: string | null } | null;
  readonly reasons?: readonly { code: string; message: string }[];
}

/** The items of a `GET /api/provisioning-logs` answer, checked for the fields the CLI reads. */
export function logItems(body: unknown): LogEntry[] {
  const items = (body as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) throw new Error('the audit API answered without an items list');
  return items.filter(
    (i): i is LogEntry =>
      typeof i === 'object' &&
      i !== null &&
      typeof i.commandId === 'string' &&
      typeof i.sourceIdentity?.id === 'string',
  );
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One entry in full: action, status, target, modified properties, error with its recommended action. */
export function renderEntry(entry: LogEntry): string {
  const target = entry.targetIdentity?.id
    ? ` — Salesforce user ${entry.targetIdentity.id}${entry.targetIdentity.linkedBy ? ` (${entry.targetIdentity.linkedBy})` : ''}`
    : '';
  const timing = typeof entry.durationInMilliseconds === 'number' ? ` in ${entry.durationInMilliseconds} ms` : '';
  const lines = [
    `${entry.action} — ${entry.status}${entry.dryRun ? ' (dry run: nothing written)' : ''}${target}${timing}`,
    `  user: ${entry.sourceIdentity.userPrincipalName ?? entry.sourceIdentity.id} (${entry.sourceIdentity.id}), at ${entry.activityDateTime}, command ${entry.commandId}`,
  ];
  const modified = entry.modifiedProperties ?? [];
  if (modified.length > 0) {
    lines.push('  modified properties:');
    for (const p of modified) lines.push(`    ${p.displayName}: ${show(p.oldValue)} → ${show(p.newValue)}`);
  }
  if (entry.errorInfo) {
    lines.push(`  error: ${entry.errorInfo.errorCode} — ${entry.errorInfo.reason}`);
    if (entry.errorInfo.recommendedAction) lines.push(`  recommended action: ${entry.errorInfo.recommendedAction}`);
  } else if (entry.status === 'skipped' && entry.reasons && entry.reasons.length > 0) {
    lines.push(`  why: ${entry.reasons.map((r) => r.message).join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}
