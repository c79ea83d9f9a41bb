// The busy day: notified changes (the latency benchmark's stream) made while an initial sync of the
// tenant is still being written to a realistic Salesforce. The stream starts once a share of the
// sync's results is in (the users it changes must already exist in Salesforce).
import { fetchSyncStatus, waitForInitialSync } from '../tools/demo/src/index.ts';
import { type LatencyResult, measureLatency } from './latency.ts';
import { type Outcome, readOutcome } from './lib/audit.ts';
import { startBenchPipeline } from './lib/harness.ts';
import { type ModelOverrides, modelOf, realistic } from './lib/realistic.ts';
import { ProcessSampler } from './lib/rss.ts';
import { loadSummary } from './lib/stats.ts';

export const BUSY_DAY_TARGET_MS = 5000;

export interface BusyDayResult {
  parameters: { users: number; changes: number; ratePerSecond: number; startAfterShare: number; model: ModelOverrides };
  model: ReturnType<typeof modelOf>;
  latency: LatencyResult;
  /** Results of the sync still to come when the stream started and when it ended. */
  syncPendingAtStreamStart: number;
  syncPendingAtStreamEnd: number;
  syncOutcome: Outcome;
  p99Ms: number | null;
  pass: boolean;
  load: { min: number; mean: number; max: number };
}

export async function measureBusyDay(
  options: {
    users: number;
    seed: number;
    existingShare: number;
    partitions: number;
    changes: number;
    ratePerSecond: number;
    startAfterShare: number;
    syncIntervalMs: number;
    model: ModelOverrides;
    /** Keep the run's Redis keys and audit schema to inspect them (`--keep`). */
    keep?: boolean;
  },
  say: (line: string) => void,
): Promise<BusyDayResult> {
  const bp = await startBenchPipeline({
    users: options.users,
    seed: options.seed,
    existingShare: options.existingShare,
    partitions: options.partitions,
    syncIntervalMs: options.syncIntervalMs,
    logLevel: 'info',
    prepare: realistic(options.model),
    onStep: (m) => say(`  ${m}`),
    keep: options.keep === true,
  });
  const sampler = new ProcessSampler(() => ({ ...bp.pids(), simulators: process.pid }), 1000);
  try {
    const { pipeline } = bp;
    // Wait until the sync is under way: enough of it written that there are users to change.
    let pending = 0;
    for (;;) {
      const s = await fetchSyncStatus(pipeline.auditUrl);
      const issued = s.progress.commandsIssued;
      pending = issued - s.progress.resultsReceived;
      if (issued > 0 && s.progress.resultsReceived >= issued * options.startAfterShare && pending > 0) break;
      if (s.fullSync.state === 'completed' && pending === 0 && issued > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    say(`busy-day: stream starts with ${pending} results of the sync still to come`);
    const latency = await measureLatency(
      pipeline,
      {
        changes: options.changes,
        ratePerSecond: options.ratePerSecond,
        seed: options.seed,
        timeoutMs: 60_000,
        roleProbes: 0,
        probeTimeoutMs: 0,
      },
      say,
    );
    const after = await fetchSyncStatus(pipeline.auditUrl);
    const pendingAtEnd = after.progress.commandsIssued - after.progress.resultsReceived;
    await waitForInitialSync(pipeline.auditUrl, { timeoutMs: 600_000 });
    const syncOutcome = await readOutcome(pipeline.auditUrl);
    const p99 = latency.notified.p99;
    const loads = sampler.samples.map((x) => x.load);
    return {
      parameters: {
        users: options.users,
        changes: options.changes,
        ratePerSecond: options.ratePerSecond,
        startAfterShare: options.startAfterShare,
        model: options.model,
      },
      model: modelOf(pipeline.sims),
      latency,
      syncPendingAtStreamStart: pending,
      syncPendingAtStreamEnd: pendingAtEnd,
      syncOutcome,
      p99Ms: p99 === null || !Number.isFinite(p99) ? null : Math.round(p99),
      pass: p99 !== null && Number.isFinite(p99) && p99 <= BUSY_DAY_TARGET_MS && latency.notified.missed === 0,
      load: loadSummary(loads),
    };
  } finally {
    sampler.stop();
    await bp.stop().catch((e: unknown) => say(`stopping the pipeline failed: ${String(e)}`));
  }
}
