import { readFileSync } from 'node:fs';
import { load1 } from './machine.ts';

/** One reading of one process: resident memory (VmRSS, in MB = 10^6 bytes, the target's unit) and CPU time used so far. */
export interface ProcessSample {
  rssMB: number;
  cpuSeconds: number;
}

/** Every sample: milliseconds since the sampler started, the 1-minute load, and each named process. */
export interface Sample {
  t: number;
  load: number;
  procs: Record<string, ProcessSample | null>;
}

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

/** VmRSS and utime+stime of a process from /proc, or null once it is gone. */
export function readProcess(pid: number): ProcessSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
    // Fields after the command name (which may contain spaces, hence the last ')').
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    return { rssMB: Math.round(((kib * 1024) / 1e6) * 10) / 10, cpuSeconds: ticks / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/**
 * Samples a set of processes every `intervalMs` (the pids are asked for at each tick, so a
 * restarted service is followed). Reading /proc costs microseconds; it does not disturb the run.
 */
export class ProcessSampler {
  readonly samples: Sample[] = [];
  readonly #pids: () => Record<string, number | undefined>;
  readonly #origin: number;
  #timer: NodeJS.Timeout | undefined;

  /** `origin`: the Date.now() that sample times are counted from. */
  constructor(pids: () => Record<string, number | undefined>, intervalMs = 500, origin = Date.now()) {
    this.#pids = pids;
    this.#origin = origin;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): Sample {
    const procs: Record<string, ProcessSample | null> = {};
    for (const [name, pid] of Object.entries(this.#pids())) procs[name] = pid === undefined ? null : readProcess(pid);
    const sample = { t: Date.now() - this.#origin, load: load1(), procs };
    this.samples.push(sample);
    return sample;
  }

  /** Milliseconds since the origin (to mark phases on the same time axis). */
  now(): number {
    return Date.now() - this.#origin;
  }

  stop(): Sample[] {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.sample();
    return this.samples;
  }

  /** Samples of one process between two times (sampler milliseconds). */
  of(name: string, from = 0, to = Number.POSITIVE_INFINITY): { t: number; s: ProcessSample }[] {
    return this.samples.flatMap((x) => {
      const s = x.procs[name];
      return s && x.t >= from && x.t <= to ? [{ t: x.t, s }] : [];
    });
  }
}
