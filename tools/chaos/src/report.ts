import type { AuditCompleteness, EntrySummary } from './audit.ts';
import type { ChangeRecord } from './changes.ts';
import type { InjectedFault } from './inject.ts';
import type { KillRecord } from './kills.ts';
import type { Category, Expectation, Finding, OracleCounts, OrgUser } from './oracle.ts';
import type { ReconcileRecord } from './reconcile.ts';

/** A finding as the report shows it: what the tenant implies, what Salesforce has, what the log says. */
export interface Example {
  userId: string;
  upn: string;
  expected: Expectation;
  salesforce: OrgUser[];
  differences: Finding['differences'];
  note: string;
  /** The user's provisioning log entries (oldest first): action, status, error code. */
  audit: EntrySummary[];
  /** The changes the run made to this user. */
  changes: ChangeRecord[];
}

export interface ChaosReport {
  seed: number;
  users: number;
  runId: string;
  logDir: string;
  settings: Record<string, unknown>;
  kills: KillRecord[];
  faults: { injected: InjectedFault[]; byKind: Record<string, number> };
  changes: { planned: number; made: number; byKind: Record<string, number>; skipped: ChangeRecord[] };
  /** Requests each simulator served during the run, by route (how much the faults had to bite on). */
  requests: { salesforce: Record<string, number>; graph: Record<string, number> };
  /**
   * Users already in Salesforce before the run: how many, how many in scope at the start (to be
   * matched), how many the audit showed matched during the faults (only those were changed), and the
   * changes made to them.
   */
  preexisting: { total: number; inScopeAtStart: number; matchedDuringFaults: number; changed: number };
  initialSyncSeconds: number | null;
  faultWindowSeconds: number;
  converged: boolean;
  /** Seconds from the end of the faults to the first poll that found everything in order. */
  convergedInSeconds: number | null;
  counts: OracleCounts;
  audit: AuditCompleteness | null;
  /** Per category, how many users by what their last log entry says (`skip/skipped/unassigned`, `no log entry`). */
  breakdown: Partial<Record<Category, Record<string, number>>>;
  examples: Partial<Record<Category | 'unattributed', (Example | OrgUser)[]>>;
  servicesNotRunning: string[];
  /** With `--redis-flush`: what the admin's `provision reconcile --apply` found and did (null otherwise). */
  reconcile: ReconcileRecord | null;
}

/** 0 when Salesforce is exactly as the tenant implies and the audit holds a result for every command. */
export function exitCode(report: ChaosReport): number {
  const c = report.counts;
  const clean = c.duplicates + c.missing + c.wrong + c.stale + c.unattributed === 0;
  return clean && report.converged && report.audit?.complete === true && report.servicesNotRunning.length === 0 ? 0 : 1;
}

/** The last line of the output. */
export function lastLine(report: ChaosReport, timeoutSeconds: number): string {
  const c = report.counts;
  const tail =
    report.convergedInSeconds === null
      ? `did not converge in ${timeoutSeconds} s`
      : `converged in ${Math.round(report.convergedInSeconds)} s`;
  const audit = report.audit;
  const incomplete =
    audit === null
      ? '; the audit could not be read'
      : audit.complete
        ? ''
        : `; audit incomplete: ${audit.notLogged + audit.pending} commands without a logged result` +
          `${audit.commandsOnTopic === null ? ', the commands topics could not be read' : ''}`;
  const refused = c.refused > 0 ? `, ${c.refused} refused by Salesforce (logged)` : '';
  return `chaos: ${c.duplicates} duplicates, ${c.missing} missing, ${c.wrong} wrong, ${c.stale} stale${refused} after ${report.kills.length} kills (${tail}${incomplete})`;
}

/** Counts of a list by a key. */
export function countBy<T>(list: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of list) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}
