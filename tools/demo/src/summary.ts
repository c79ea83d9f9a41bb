import { type AuditTarget, auditFetch, auditUrlOf } from './audit-api.ts';

/** One provisioning log entry, as far as the summary reads it (the audit API's shape). */
export interface LogEntry {
  action: string;
  status: string;
  sourceIdentity: { id: string; userPrincipalName: string | null };
  targetIdentity: { id: string | null; linkedBy: string | null };
  errorInfo: { errorCode: string; reason: string; recommendedAction: string | null } | null;
  reasons: { code: string; message: string }[];
  issuedAt: string | null;
  completedAt: string | null;
}

/** Every entry of the provisioning log that matches `query`, page after page (keyset paging, 1,000 a page). */
export async function* provisioningLog(
  audit: AuditTarget,
  query: Record<string, string> = {},
): AsyncGenerator<LogEntry> {
  let cursor: string | null = null;
  do {
    const url = new URL('/api/provisioning-logs', auditUrlOf(audit));
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    url.searchParams.set('limit', '1000');
    if (cursor) url.searchParams.set('cursor', cursor);
    const response = await auditFetch(audit, url);
    if (!response.ok) throw new Error(`audit answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { items: LogEntry[]; nextCursor: string | null };
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

/** How the users ended, plus the times of the first command and the last result. */
export interface Summary {
  total: number;
  created: number;
  matched: number;
  updated: number;
  deactivated: number;
  reactivated: number;
  skipped: number;
  failed: number;
  /** Commands still waiting for their result. */
  pending: number;
  failedByCode: Record<string, number>;
  /** Earliest `issuedAt` (the mapper's first command) and latest `completedAt` (the writer's last result), epoch ms. */
  firstIssuedAt: number | null;
  lastCompletedAt: number | null;
}

/** Reads every log entry of the run and counts what happened to the users. */
export async function summarise(audit: AuditTarget): Promise<Summary> {
  const s: Summary = {
    total: 0,
    created: 0,
    matched: 0,
    updated: 0,
    deactivated: 0,
    reactivated: 0,
    skipped: 0,
    failed: 0,
    pending: 0,
    failedByCode: {},
    firstIssuedAt: null,
    lastCompletedAt: null,
  };
  for await (const e of provisioningLog(audit)) count(s, e);
  return s;
}

function count(s: Summary, e: LogEntry): void {
  s.total++;
  const issued = e.issuedAt ? Date.parse(e.issuedAt) : Number.NaN;
  const completed = e.completedAt ? Date.parse(e.completedAt) : Number.NaN;
  if (Number.isFinite(issued)) s.firstIssuedAt = Math.min(s.firstIssuedAt ?? issued, issued);
  if (Number.isFinite(completed)) s.lastCompletedAt = Math.max(s.lastCompletedAt ?? completed, completed);
  if (e.status === 'pending') {
    s.pending++;
    return;
  }
  if (e.status === 'failure') {
    s.failed++;
    const code = e.errorInfo?.errorCode ?? 'unknown';
    s.failedByCode[code] = (s.failedByCode[code] ?? 0) + 1;
    return;
  }
  if (e.status === 'skipped' || e.action === 'skip') {
    s.skipped++;
    return;
  }
  if (e.action === 'create') {
    if (e.targetIdentity.linkedBy === 'matched' || e.targetIdentity.linkedBy === 'link') s.matched++;
    else s.created++;
  } else if (e.action === 'update') s.updated++;
  else if (e.action === 'disable') s.deactivated++;
  else if (e.action === 'reactivate') s.reactivated++;
}
export function formatSummary(s: Summary, elapsedMs: number): string {
  const failures = Object.entries(s.failedByCode)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `    ${code}: ${n}`)
    .join('\n');
  return [
    `Initial sync finished in ${(elapsedMs / 1000).toFixed(1)} s`,
    `  created      ${s.created}`,
    `  matched      ${s.matched}   (already in Salesforce, linked instead of created)`,
    `  updated      ${s.updated}`,
    `  deactivated  ${s.deactivated}`,
    `  reactivated  ${s.reactivated}`,
    `  skipped      ${s.skipped}   (out of scope, with the reason in the log)`,
    `  failed       ${s.failed}${failures ? `\n${failures}` : ''}`,
  ].join('\n');
}
