// Writer scaling: the same initial sync with 1, 2 and 4 writer replicas against a realistic
// Salesforce (salesforce-sim's `realistic` model). Each count gets a fresh pipeline; the extra
// writers join the consumer group as soon as the pipeline is up (the ingestor is still reading Graph).

import { fetchSyncStatus, waitForInitialSync } from '../tools/demo/src/index.ts';
import { type ServiceProcess, startServiceOnFreePort } from '../tools/demo/src/processes.ts';
import { type Outcome, readOutcome } from './lib/audit.ts';
import { type BenchPipeline, SERVICES, scrapeMetrics, startBenchPipeline } from './lib/harness.ts';
import { type ModelOverrides, modelOf, realistic } from './lib/realistic.ts';
import { ProcessSampler } from './lib/rss.ts';
import { loadSummary, round } from './lib/stats.ts';

export const SPEEDUP_TARGET = 3;

export interface ScalingOptions {
  users: number;
  seed: number;
  existingShare: number;
  partitions: number;
  writers: readonly number[];
  syncIntervalMs: number;
  timeoutMs: number;
  model: ModelOverrides;
  /**
   * The writer stage alone: the writers start only once the mapper has decided the whole sync (the
   * commands wait on Kafka), and the clock starts when they are spawned.
   */
  backlog: boolean;
  env?: Record<string, string>;
}

/** One sync with `writers` replicas. */
export interface ScalingRun {
  writers: number;
  /** From the first command the mapper issued to the last result written. */
  writeSeconds: number;
  /** Users the writers answered with success (created, matched, updated…), per second of `writeSeconds`. */
  usersPerSecond: number;
  /** From the ingestor's spawn to the last result. */
  syncSeconds: number;
  outcome: Outcome;
  /** Salesforce requests during the sync (after the services were up), by route, and in all. */
  apiCalls: { total: number; collectionsWrites: number; queries: number; byRoute: Record<string, number> };
  /** What the org saw: daily usage against its allocation, the most requests at once, refusals. */
  org: {
    apiUsage: { used: number; limit: number };
    maxInFlight: number;
    maxLongRunning: number;
    concurrentLongRunningLimit: number;
    refusedDaily: number;
    refusedConcurrent: number;
    /** Over the write window: API requests in flight on average (the sum of their durations ÷ the window). */
    meanRequestsInFlight: number;
    /** User writes in flight on average over the window. */
    meanUserWritesInFlight: number;
    /** Share of the window with at least one User write in flight (1: Salesforce never waited for the writers). */
    userWriteBusyShare: number;
  };
  /** The fleet's adaptive concurrency limit at the end (writer metrics). */
  concurrencyLimitAtEnd: number | null;
  /** CPU seconds of each process over the sync (the machine is shared: CPU is what the work cost). */
  cpuSeconds: Record<string, number | null>;
  load: { min: number; mean: number; max: number };
}

export interface ScalingResult {
  parameters: Omit<ScalingOptions, 'env'>;
  model: ReturnType<typeof modelOf> | null;
  runs: ScalingRun[];
  /** Throughput of 4 writers / throughput of 1 (null when either was not run). */
  speedup4: number | null;
  speedup2: number | null;
  /** No run was refused for the daily allocation or the concurrent long-running limit. */
  budgetsKept: boolean;
  pass: boolean;
}

export async function measureWriterScaling(
  options: ScalingOptions,
  say: (line: string) => void,
): Promise<ScalingResult> {
  const runs: ScalingRun[] = [];
  let model: ScalingResult['model'] = null;
  for (const writers of options.writers) {
    const { run, model: m } = await oneRun(writers, options, say);
    model = m;
    runs.push(run);
    say(
      `writer-scaling: ${writers} writer(s): ${run.usersPerSecond} users/s (${run.outcome.created} created in ${run.writeSeconds} s, ${run.apiCalls.total} API calls, concurrency limit at end ${run.concurrencyLimitAtEnd === null ? '—' : round(run.concurrencyLimitAtEnd, 1)}; User writes in flight ${run.org.meanUserWritesInFlight} on average, at least one ${Math.round(run.org.userWriteBusyShare * 100)} % of the time, requests ${run.org.meanRequestsInFlight})`,
    );
  }
  const rate = (n: number) => runs.find((r) => r.writers === n)?.usersPerSecond;
  const ratio = (n: number) => {
    const one = rate(1);
    const many = rate(n);
    return one && many ? round(many / one, 2) : null;
  };
  const budgetsKept = runs.every((r) => r.org.refusedDaily === 0 && r.org.refusedConcurrent === 0);
  const speedup4 = ratio(4);
  return {
    parameters: {
      users: options.users,
      seed: options.seed,
      existingShare: options.existingShare,
      partitions: options.partitions,
      writers: options.writers,
      syncIntervalMs: options.syncIntervalMs,
      timeoutMs: options.timeoutMs,
      model: options.model,
      backlog: options.backlog,
    },
    model,
    runs,
    speedup4,
    speedup2: ratio(2),
    budgetsKept,
    pass: budgetsKept && speedup4 !== null && speedup4 >= SPEEDUP_TARGET && runs.every((r) => r.outcome.pending === 0),
  };
}

async function oneRun(
  writers: number,
  options: ScalingOptions,
  say: (line: string) => void,
): Promise<{ run: ScalingRun; model: ReturnType<typeof modelOf> }> {
  say(`writer-scaling: starting a pipeline of ${options.users} users with ${writers} writer(s)`);
  const bp: BenchPipeline = await startBenchPipeline({
    users: options.users,
    seed: options.seed,
    existingShare: options.existingShare,
    partitions: options.partitions,
    syncIntervalMs: options.syncIntervalMs,
    logLevel: 'info',
    prepare: realistic(options.model),
    ...(options.env ? { env: { writer: options.env } } : {}),
    onStep: (m) => say(`  ${m}`),
  });
  const { pipeline } = bp;
  const sf = pipeline.sims.salesforce;
  const extra: ServiceProcess[] = [];
  const pids = () => ({
    ...bp.pids(),
    ...Object.fromEntries(extra.map((p, i) => [`writer${i + 2}`, p.child.pid])),
    simulators: process.pid,
  });
  const sampler = new ProcessSampler(pids, 500, bp.marks['service: ingestor']);
  try {
    // The writer's log-in and connection test are not the sync's: counted from here.
    sf.admin.resetRequestCounts();
    sf.admin.resetLoad(sf.orgId);
    const usedAtStart = sf.admin.summary(sf.orgId).apiUsage.used;
    let spawnedAt: number | undefined;
    if (options.backlog) {
      await pipeline.stopService('writer');
      for (;;) {
        const s = await fetchSyncStatus(pipeline.auditUrl);
        if (s.fullSync.state === 'completed' && s.progress.commandsIssued >= options.users) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      say(`  backlog: the mapper decided all ${options.users} users; starting ${writers} writer(s)`);
      spawnedAt = Date.now();
      void pipeline.startService('writer', { waitForReady: false });
    }
    for (let i = 1; i < writers; i++) {
      extra.push(
        await startServiceOnFreePort('writer', pipeline.env.writer, { logDir: pipeline.logDir, timeoutMs: 120_000 }),
      );
    }
    if (writers > 1) say(`  ${writers} writers up`);
    let last = '';
    await waitForInitialSync(pipeline.auditUrl, {
      timeoutMs: options.timeoutMs,
      onProgress: (s) => {
        const line = `  sync: ${s.fullSync.state}, ${s.fullSync.counts?.['users'] ?? '…'} users read, ${s.progress.commandsIssued} decided, ${s.progress.resultsReceived} done`;
        if (line !== last) say(line);
        last = line;
      },
    });
    await fetchSyncStatus(pipeline.auditUrl);
    const outcome = await readOutcome(pipeline.auditUrl);
    const byRoute = sf.admin.requestCounts();
    const total = Object.values(byRoute).reduce((a, b) => a + b, 0);
    const collectionsWrites = Object.entries(byRoute)
      .filter(([k]) => /^(POST|PATCH) .*\/composite\/sobjects$/.test(k))
      .reduce((a, [, v]) => a + v, 0);
    const queries = Object.entries(byRoute)
      .filter(([k]) => k.includes('/query'))
      .reduce((a, [, v]) => a + v, 0);
    const summary = sf.admin.summary(sf.orgId);
    const first = spawnedAt ?? outcome.firstIssuedAt ?? bp.marks['service: ingestor']!;
    const end = outcome.lastCompletedAt ?? Date.now();
    const writeSeconds = round((end - first) / 1000, 2);
    const written = outcome.created + outcome.matched + outcome.updated + outcome.deactivated + outcome.reactivated;
    const metrics = await scrapeMetrics(pipeline, 'writer', 'writer_salesforce_concurrency_limit');
    sampler.stop();
    const loads = sampler.samples.map((s) => s.load);
    const names = [...SERVICES, ...extra.map((_, i) => `writer${i + 2}`), 'simulators'];
    return {
      model: modelOf(pipeline.sims),
      run: {
        writers,
        writeSeconds,
        usersPerSecond: round(written / Math.max(0.001, writeSeconds), 1),
        syncSeconds: round((end - bp.marks['service: ingestor']!) / 1000, 2),
        outcome,
        apiCalls: { total, collectionsWrites, queries, byRoute },
        org: {
          apiUsage: { used: summary.apiUsage.used - usedAtStart, limit: summary.apiUsage.limit },
          maxInFlight: summary.load.maxInFlight,
          maxLongRunning: summary.load.maxLongRunning,
          concurrentLongRunningLimit: summary.settings.concurrentLongRunningLimit,
          refusedDaily: summary.load.refusedDaily,
          refusedConcurrent: summary.load.refusedConcurrent,
          ...busyOf(summary.load, end - first),
        },
        concurrencyLimitAtEnd: Object.values(metrics)[0] ?? null,
        cpuSeconds: Object.fromEntries(
          names.map((n) => {
            const xs = sampler.of(n);
            return [n, xs.length > 1 ? round(xs.at(-1)!.s.cpuSeconds - xs[0]!.s.cpuSeconds) : null];
          }),
        ),
        load: loadSummary(loads),
      },
    };
  } finally {
    sampler.stop();
    await Promise.allSettled(extra.map((p) => p.stop()));
    await bp.stop().catch((e: unknown) => say(`stopping the pipeline failed: ${String(e)}`));
  }
}

/** Where the org's time went over a window of `windowMs`: requests and User writes in flight on average, and how busy writes kept it. */
export function busyOf(
  load: { requestMs: number; userWriteMs: number; userWriteBusyMs: number },
  windowMs: number,
): { meanRequestsInFlight: number; meanUserWritesInFlight: number; userWriteBusyShare: number } {
  const w = Math.max(1, windowMs);
  return {
    meanRequestsInFlight: round(load.requestMs / w, 2),
    meanUserWritesInFlight: round(load.userWriteMs / w, 2),
    userWriteBusyShare: round(Math.min(1, load.userWriteBusyMs / w), 2),
  };
}
