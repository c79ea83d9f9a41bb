import { type AuditTarget, auditFetch } from './audit-api.ts';

/** What the demo reads of the audit service's `GET /api/sync-status`. */
export interface SyncStatusView {
  fullSync: {
    state: 'not-started' | 'in-progress' | 'completed';
    syncId?: string;
    counts?: Record<string, number> | null;
  };
  initialSyncCompleted: boolean;
  progress: { commandsIssued: number; resultsReceived: number; pending: number };
  counts: { byStatus: Record<string, number>; byAction: Record<string, number>; byErrorCode: Record<string, number> };
  deadLetters: { total: number };
  quarantine: Record<string, unknown> | null;
}

export async function fetchSyncStatus(audit: AuditTarget): Promise<SyncStatusView> {
  const response = await auditFetch(audit, '/api/sync-status');
  if (!response.ok) throw new Error(`audit answered ${response.status} to /api/sync-status`);
  return (await response.json()) as SyncStatusView;
}

/**
 * Waits until the initial full sync is over end to end: the ingestor has read the whole tenant
 * (its `sync.completed`), every user it published has a command (the mapper decides for every user
 * at the end of a full sync: create, match, or skip with the reason), and every command has its
 * result. Stable over two polls, so a command still in flight is not missed.
 */
export async function waitForInitialSync(
  audit: AuditTarget,
  options: { timeoutMs?: number; intervalMs?: number; onProgress?: (status: SyncStatusView) => void } = {},
): Promise<SyncStatusView> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  let stableFor = 0;
  let previous = -1;
  for (;;) {
    const status = await fetchSyncStatus(audit).catch(() => undefined);
    if (status) {
      options.onProgress?.(status);
      const users = status.fullSync.counts?.['users'] ?? Number.POSITIVE_INFINITY;
      const { commandsIssued, pending, resultsReceived } = status.progress;
      const done = status.fullSync.state === 'completed' && commandsIssued >= users && pending === 0;
      stableFor = done && resultsReceived === previous ? stableFor + 1 : 0;
      previous = resultsReceived;
      if (stableFor >= 2) return status;
    }
    if (Date.now() > deadline)
      throw new Error(`the initial sync did not finish in time; last status: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
}
