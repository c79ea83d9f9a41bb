// Memory: resident set size (VmRSS) of each service process, sampled every 500 ms through the
// initial sync of a large tenant and for a while after it (idle, incremental mode). The services
// run as the production image runs them: the bundles (tools/containers), with the image's flags.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { bundle, REPO_ROOT } from '../tools/containers/src/bundle.ts';
import { IMAGE_ENV, serviceArgs } from '../tools/containers/src/launch.ts';
import { fetchSyncStatus, type ServiceLaunch, waitForInitialSync } from '../tools/demo/src/index.ts';
import { type BenchPipeline, SERVICES, startBenchPipeline } from './lib/harness.ts';
import { type ProcessSampler, readProcess } from './lib/rss.ts';
import { median, round } from './lib/stats.ts';

export const MEMORY_TARGET_MB = 150;

export interface ServiceMemory {
  peakMB: number;
  /** Seconds after the ingestor's spawn when the peak was sampled. */
  peakAtS: number;
  /** Median RSS while the sync ran. */
  medianDuringSyncMB: number;
  /** Median RSS over the idle window after the sync (the steady state). */
  steadyMB: number;
  /** RSS at the last sample. */
  lastMB: number;
  /** CPU time (user + system) the process used during the sync. */
  cpuSecondsDuringSync: number;
  pass: boolean;
}

/** How the services were launched: the image's command on the bundles, or the TypeScript sources. */
export type LaunchKind = 'bundled' | 'sources';

export interface ProductionLaunch {
  kind: LaunchKind;
  launch?: ServiceLaunch;
  /** Environment the image sets, added to each service's. */
  env: Record<string, string>;
  /** What each service runs, for the record. */
  command: string;
}

/**
 * Bundles the programs into `dist/bench-bundle` (gitignored) and launches each service with the
 * production image's command (tools/containers/src/launch.ts, the same as the image's entrypoint).
 */
export async function productionLaunch(log: (line: string) => void): Promise<ProductionLaunch> {
  const outDir = join(REPO_ROOT, 'dist', 'bench-bundle');
  const started = Date.now();
  await bundle({ outDir, only: [...SERVICES, 'preload'] });
  log(`memory: bundled the services into ${outDir} in ${round((Date.now() - started) / 1000)} s`);
  return {
    kind: 'bundled',
    launch: (name) => serviceArgs(name, outDir),
    env: { ...IMAGE_ENV },
    command: `node ${serviceArgs('writer', '/app').join(' ')}`,
  };
}

/** The services from their TypeScript sources (Node's type stripping), as `./pnpmw demo` runs them. */
export const sourcesLaunch: ProductionLaunch = {
  kind: 'sources',
  env: {},
  command: 'node --max-semi-space-size=1 --max-old-space-size=96 services/writer/src/main.ts',
};

export interface StartupMemory {
  /** RSS (MB) of each service 15 s after all four answered /readyz (tenant of 100 users). */
  bundled: Record<string, number | null>;
  sources: Record<string, number | null>;
  /** sources − bundled, per service. */
  savedMB: Record<string, number | null>;
}

/**
 * RSS of each service at start, bundled and from the sources: a small pipeline started each way,
 * sampled `settleMs` after the last service is ready, then stopped.
 */
export async function measureStartupMemory(
  bundled: ProductionLaunch,
  log: (line: string) => void,
  settleMs = 15_000,
): Promise<StartupMemory> {
  const at = async (how: ProductionLaunch) => {
    const bp = await startBenchPipeline({
      users: 100,
      seed: 1,
      partitions: 6,
      syncIntervalMs: 300_000,
      logLevel: 'info',
      ...(how.launch ? { launch: how.launch } : {}),
      env: Object.fromEntries(SERVICES.map((n) => [n, how.env])),
    });
    try {
      // The 100-user sync is over within a few seconds; what is sampled is the service at rest.
      await new Promise((r) => setTimeout(r, settleMs));
      const pids = bp.pids();
      return Object.fromEntries(
        SERVICES.map((n) => [n, pids[n] === undefined ? null : (readProcess(pids[n]!)?.rssMB ?? null)]),
      );
    } finally {
      await bp.stop();
    }
  };
  const b = await at(bundled);
  log(`memory: at start, bundled: ${SERVICES.map((n) => `${n} ${b[n]} MB`).join(', ')}`);
  const s = await at(sourcesLaunch);
  log(`memory: at start, sources: ${SERVICES.map((n) => `${n} ${s[n]} MB`).join(', ')}`);
  const savedMB = Object.fromEntries(
    SERVICES.map((n) => [n, b[n] == null || s[n] == null ? null : round(s[n]! - b[n]!)]),
  );
  return { bundled: b, sources: s, savedMB };
}

/** `uptime`'s line (load averages and how long the shared machine has been up), for the record. */
export function uptimeLine(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return 'uptime: not available';
  }
}

export interface MemoryResult {
  /** How the services were launched, and each one's command. */
  launch: { kind: LaunchKind; command: string };
  /** `uptime` before and after the run: the machine is shared with other engineers' tests. */
  uptime: { before: string; after: string };
  /** RSS at start, bundled against the TypeScript sources (null when not measured). */
  startup: StartupMemory | null;
  parameters: { users: number; seed: number; existingShare: number; sampleIntervalMs: number; idleSeconds: number };
  syncSeconds: number;
  /** Whether the initial sync completed within the time allowed (else the numbers cover a partial sync). */
  completed: boolean;
  error: string | null;
  services: Record<string, ServiceMemory>;
  /** The benchmark's own process (both simulators holding the tenant and the org), for reference only. */
  simulatorsPeakMB: number;
  /** CPU seconds the benchmark's process (both simulators) used during the sync. */
  simulatorsCpuSeconds: number;
  fullSyncCounts: Record<string, number> | null;
  statusAtEnd: unknown;
  /** Every sample: ms since the ingestor's spawn, load, RSS MB per service. */
  raw: { t: number; load: number; rss: Record<string, number | null> }[];
  pass: boolean;
}

export async function measureMemory(
  bp: BenchPipeline,
  sampler: ProcessSampler,
  options: { users: number; seed: number; existingShare: number; idleSeconds: number; timeoutMs: number },
  log: (line: string) => void,
  context: { launch: ProductionLaunch; uptimeBefore: string; startup: StartupMemory | null },
): Promise<MemoryResult> {
  const t0 = 0; // the sampler counts from the ingestor's spawn
  const syncStart = sampler.now();
  let completed = true;
  let error: string | null = null;
  let lastLine = '';
  let lastLog = 0;
  try {
    await waitForInitialSync(bp.pipeline.auditUrl, {
      timeoutMs: options.timeoutMs,
      onProgress: (s) => {
        const line = `memory: ${s.fullSync.state}, ${s.fullSync.counts?.['users'] ?? '…'} users read, ${s.progress.commandsIssued} decided, ${s.progress.resultsReceived} done`;
        const rss = sampler.samples.at(-1)?.procs ?? {};
        const mem = SERVICES.map((n) => `${n} ${rss[n]?.rssMB ?? '?'}`).join(', ');
        // At most every 5 s, and every 30 s even when nothing moved (with the RSS).
        if ((line !== lastLine && Date.now() - lastLog > 5000) || Date.now() - lastLog > 30_000) {
          log(`${line} | RSS MB: ${mem}`);
          lastLog = Date.now();
          lastLine = line;
        }
      },
    });
  } catch (e) {
    completed = false;
    error = e instanceof Error ? e.message.slice(0, 2000) : String(e);
    log(`memory: the sync did not complete: ${error.slice(0, 300)}`);
  }
  const syncEnd = sampler.now();
  log(
    `memory: sync ${completed ? 'done' : 'stopped'} after ${round((syncEnd - t0) / 1000)} s; idle sampling for ${options.idleSeconds} s`,
  );
  await new Promise((r) => setTimeout(r, options.idleSeconds * 1000));
  const idleEnd = sampler.now();
  const statusAtEnd = await fetchSyncStatus(bp.pipeline.auditUrl).catch((e: unknown) => String(e));

  const services: Record<string, ServiceMemory> = {};
  for (const name of SERVICES) {
    const all = sampler.of(name);
    const during = sampler.of(name, syncStart, syncEnd);
    const idle = sampler.of(name, syncEnd, idleEnd);
    const peak = all.reduce((a, b) => (b.s.rssMB > a.s.rssMB ? b : a), all[0]!);
    const cpu = during.length > 1 ? during.at(-1)!.s.cpuSeconds - during[0]!.s.cpuSeconds : 0;
    services[name] = {
      peakMB: peak.s.rssMB,
      peakAtS: round((peak.t - t0) / 1000),
      medianDuringSyncMB: median(during.map((x) => x.s.rssMB)),
      steadyMB: median(idle.map((x) => x.s.rssMB)),
      lastMB: all.at(-1)!.s.rssMB,
      cpuSecondsDuringSync: round(cpu),
      pass: peak.s.rssMB < MEMORY_TARGET_MB,
    };
  }
  const sims = sampler.of('simulators');
  const status = typeof statusAtEnd === 'string' ? null : statusAtEnd;
  return {
    launch: { kind: context.launch.kind, command: context.launch.command },
    uptime: { before: context.uptimeBefore, after: uptimeLine() },
    startup: context.startup,
    parameters: {
      users: options.users,
      seed: options.seed,
      existingShare: options.existingShare,
      sampleIntervalMs: 500,
      idleSeconds: options.idleSeconds,
    },
    syncSeconds: round((syncEnd - t0) / 1000),
    completed,
    error,
    services,
    simulatorsPeakMB: Math.max(...sims.map((x) => x.s.rssMB)),
    simulatorsCpuSeconds: round(
      (sampler.of('simulators', syncStart, syncEnd).at(-1)?.s.cpuSeconds ?? 0) -
        (sampler.of('simulators', syncStart, syncEnd)[0]?.s.cpuSeconds ?? 0),
    ),
    fullSyncCounts: status?.fullSync.counts ?? null,
    statusAtEnd,
    raw: sampler.samples.map((x) => ({
      t: x.t - t0,
      load: x.load,
      rss: Object.fromEntries(Object.entries(x.procs).map(([k, v]) => [k, v?.rssMB ?? null])),
    })),
    pass: completed && Object.values(services).every((s) => s.pass),
  };
}
