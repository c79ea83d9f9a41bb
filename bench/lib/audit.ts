/** One provisioning log entry, as far as the benchmarks read it. */
interface Entry {
  action: string;
  status: string;
  targetIdentity: { linkedBy: string | null };
  errorInfo: { errorCode: string } | null;
  issuedAt: string | null;
  completedAt: string | null;
}

/** How the users ended, as the demo's summary counts them, plus the times of the first and last entries. */
export interface Outcome {
  total: number;
  created: number;
  matched: number;
  updated: number;
  deactivated: number;
  reactivated: number;
  skipped: number;
  failed: number;
  pending: number;
  failedByCode: Record<string, number>;
  /** Earliest `issuedAt` (the mapper's first command) and latest `completedAt` (the writer's last result), epoch ms. */
  firstIssuedAt: number | null;
  lastCompletedAt: number | null;
}

/** Reads every log entry of the run (keyset paging, 1,000 a page). */
export async function readOutcome(auditUrl: string): Promise<Outcome> {
  const o: Outcome = {
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
  let cursor: string | null = null;
  do {
    const url = new URL('/api/provisioning-logs', auditUrl);
    url.searchParams.set('limit', '1000');
    if (cursor) url.searchParams.set('cursor', cursor);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`audit answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { items: Entry[]; nextCursor: string | null };
    for (const e of page.items) count(o, e);
    cursor = page.nextCursor;
  } while (cursor);
  return o;
}

function count(o: Outcome, e: Entry): void {
  o.total++;
  const issued = e.issuedAt ? Date.parse(e.issuedAt) : Number.NaN;
  const completed = e.completedAt ? Date.parse(e.completedAt) : Number.NaN;
  if (Number.isFinite(issued)) o.firstIssuedAt = Math.min(o.firstIssuedAt ?? issued, issued);
  if (Number.isFinite(completed)) o.lastCompletedAt = Math.max(o.lastCompletedAt ?? completed, completed);
  if (e.status === 'pending') {
    o.pending++;
    return;
  }
  if (e.status === 'failure') {
    o.failed++;
    const code = e.errorInfo?.errorCode ?? 'unknown';
    o.failedByCode[code] = (o.failedByCode[code] ?? 0) + 1;
    return;
  }
  if (e.status === 'skipped' || e.action === 'skip') {
    o.skipped++;
    return;
  }
  if (e.action === 'create') {
    if (e.targetIdentity.linkedBy === 'matched' || e.targetIdentity.linkedBy === 'link') o.matched++;
    else o.created++;
  } else if (e.action === 'update') o.updated++;
  else if (e.action === 'disable') o.deactivated++;
  else if (e.action === 'reactivate') o.reactivated++;
}
