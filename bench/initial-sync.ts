// Initial sync: a seeded tenant of N users, from the moment the ingestor process is started (the
// other services already wait, as in production) until the writer's last result is logged.
import { fetchSyncStatus, waitForInitialSync } from '../tools/demo/src/index.ts';
import { type Outcome, readOutcome } from './lib/audit.ts';
import { type BenchPipeline, serviceLog } from './lib/harness.ts';
import { round } from './lib/stats.ts';

export const INITIAL_SYNC_TARGET_S = 60;

export interface InitialSyncResult {
  parameters: { users: number; seed: number; existingShare: number; partitions: number };
  /** Seconds from the ingestor's spawn to the last result (the headline). */
  seconds: number;
  /** Seconds from the first service's spawn (infrastructure and simulators excluded) to the last result. */
  secondsFromServicesStart: number;
  /** Phases, seconds from the ingestor's spawn. */
  phases: {
    ingestorReady: number | null;
    /** The ingestor's full round done (Graph read and published to Kafka), from its own log line. */
    graphReadDone: number | null;
    firstCommandIssued: number | null;
    lastResultWritten: number | null;
    /** When `waitForInitialSync` (500 ms polls, stable twice) declared it done. */
    detectedDone: number;
  };
  /** Tenant users per second over the whole sync. */
  usersPerSecond: number;
  fullSyncCounts: Record<string, number> | null;
  outcome: Outcome;
  pass: boolean;
}

export async function measureInitialSync(
  bp: BenchPipeline,
  options: { users: number; seed: number; existingShare: number; partitions: number; timeoutMs: number },
  log: (line: string) => void,
): Promise<InitialSyncResult> {
  const { pipeline, marks } = bp;
  const t0 = marks['service: ingestor']!;
  let last = '';
  await waitForInitialSync(pipeline.auditUrl, {
    timeoutMs: options.timeoutMs,
    onProgress: (s) => {
      const line = `initial sync: ${s.fullSync.state}, ${s.fullSync.counts?.['users'] ?? '…'} users read, ${s.progress.commandsIssued} decided, ${s.progress.resultsReceived} done`;
      if (line !== last) log(line);
      last = line;
    },
  });
  const detected = Date.now();
  const status = await fetchSyncStatus(pipeline.auditUrl);
  const outcome = await readOutcome(pipeline.auditUrl);
  const rounds = serviceLog(pipeline, 'ingestor').filter((l) => l['msg'] === 'sync round done');
  const full = rounds.find((l) => l['mode'] === 'full');
  const since = (t: number | null | undefined) => (t === null || t === undefined ? null : round((t - t0) / 1000, 2));
  const end = outcome.lastCompletedAt ?? detected;
  const seconds = round((end - t0) / 1000, 2);
  return {
    parameters: {
      users: options.users,
      seed: options.seed,
      existingShare: options.existingShare,
      partitions: options.partitions,
    },
    seconds,
    secondsFromServicesStart: round((end - marks['service: audit']!) / 1000, 2),
    phases: {
      ingestorReady: since(marks['ready']),
      graphReadDone: since(full ? Date.parse(String(full['time'])) : null),
      firstCommandIssued: since(outcome.firstIssuedAt),
      lastResultWritten: since(outcome.lastCompletedAt),
      detectedDone: since(detected)!,
    },
    usersPerSecond: round(options.users / seconds, 1),
    fullSyncCounts: status.fullSync.counts ?? null,
    outcome,
    pass: seconds <= INITIAL_SYNC_TARGET_S && outcome.pending === 0,
  };
}
