/** A sync round as its markers on `entra.directory.v1` describe it. */
export interface SyncRun {
  syncId: string;
  mode: 'full' | 'incremental';
  startedAt: string | null;
  completedAt: string | null;
  /** What the ingestor published in the round (from `sync.completed`). */
  counts: Record<string, number> | null;
}

export type SyncState = 'not-started' | 'in-progress' | 'completed';

/** What `GET /api/sync-status` answers. */
export interface SyncStatus {
  /** The latest full sync (the initial one, or a resync after an expired cursor). */
  fullSync: (SyncRun & { state: SyncState }) | { state: 'not-started' };
  /** Whether any full sync has completed: the initial sync is over. */
  initialSyncCompleted: boolean;
  latestSync: SyncRun | null;
  /** Commands issued since the latest full sync started, and how many have their result. */
  progress: { since: string | null; commandsIssued: number; resultsReceived: number; pending: number };
  /** Over the same window as `progress`. */
  counts: {
    byStatus: Record<string, number>;
    byAction: Record<string, number>;
    byErrorCode: Record<string, number>;
    /** What became of each user: created, matched, updated, deactivated, reactivated, failed, skipped, pending. */
    byOutcome: Record<string, number>;
  };
  lastChange: {
    commandId: string;
    changeId: string;
    userId: string;
    action: string;
    status: string;
    completedAt: string;
  } | null;
  deadLetters: { total: number; latestAt: string | null };
  quarantine: Record<string, unknown> | null;
  /** Who last cleared the quarantine, and when (an admin, through the ingestor's API). */
  quarantineLastCleared: { at: string; by: unknown } | null;
  /** `{ since, by, reason }` while an admin has paused provisioning; null while it runs. */
  paused: Record<string, unknown> | null;
  generatedAt: string;
}

/** The state of a run from its markers. */
export function syncStateOf(run: Pick<SyncRun, 'startedAt' | 'completedAt'>): SyncState {
  if (run.completedAt !== null) return 'completed';
  return run.startedAt === null ? 'not-started' : 'in-progress';
}

/** What became of one command, as the demo's summary and the dashboard count it. */
export function outcomeOf(r: { status: string; action: string; linkedBy: string | null }): string {
  if (r.status === 'failure') return 'failed';
  if (r.status === 'skipped' || r.status === 'pending') return r.status;
  if (r.action === 'create') return r.linkedBy === 'created' ? 'created' : 'matched';
  if (r.action === 'disable') return 'deactivated';
  if (r.action === 'reactivate') return 'reactivated';
  if (r.action === 'skip') return 'skipped';
  return 'updated';
}
