/** One provisioning log entry, as far as the summary reads it. */
interface Entry {
  action: string;
  status: string;
  targetIdentity: { linkedBy: string | null };
  errorInfo: { errorCode: string } | null;
}

export interface Summary {
  created: number;
  matched: number;
  updated: number;
  deactivated: number;
  reactivated: number;
  skipped: number;
  failed: number;
  failedByCode: Record<string, number>;
  total: number;
}

/** Reads every log entry of the run (keyset paging) and counts what happened to the users. */
export async function summarise(auditUrl: string): Promise<Summary> {
  const s: Summary = {
    created: 0,
    matched: 0,
    updated: 0,
    deactivated: 0,
    reactivated: 0,
    skipped: 0,
    failed: 0,
    failedByCode: {},
    total: 0,
  };
  let cursor: string | null = null;
  do {
    const url = new URL('/api/provisioning-logs', auditUrl);
    url.searchParams.set('limit', '1000');
    if (cursor) url.searchParams.set('cursor', cursor);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`audit answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { items: Entry[]; nextCursor: string | null };
    for (const e of page.items) count(s, e);
    cursor = page.nextCursor;
  } while (cursor);
  return s;
}

function count(s: Summary, e: Entry): void {
  s.total++;
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
