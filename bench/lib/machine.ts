import { execFileSync } from 'node:child_process';
import { cpus, freemem, loadavg, totalmem } from 'node:os';

/** Where and on what a benchmark ran: enough to judge whether two results are comparable. */
export interface MachineInfo {
  date: string;
  node: string;
  platform: string;
  cpuModel: string;
  cores: number;
  memoryMiB: number;
  freeMemoryMiB: number;
  /** 1, 5 and 15 minute load averages (the machine is shared: other engineers run tests on it). */
  loadAverage: number[];
  git: { commit: string; dirtyFiles: number };
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpuModel: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    freeMemoryMiB: Math.round(freemem() / 2 ** 20),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    git: {
      commit: git(['rev-parse', 'HEAD']),
      // Several engineers work in this checkout: the code measured may include their uncommitted work.
      dirtyFiles: git(['status', '--porcelain', '--untracked-files=no']).split('\n').filter(Boolean).length,
    },
  };
}

/** Load average now, rounded (sampled during a run to show how busy the shared machine was). */
export function load1(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}
