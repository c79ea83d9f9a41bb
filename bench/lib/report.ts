import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from './machine.ts';

export const BENCH_DIR = new URL('../', import.meta.url).pathname;
export const RESULTS_DIR = join(BENCH_DIR, 'results');

/** One row of the results table: what was measured against what target. */
export interface Row {
  benchmark: string;
  target: string;
  result: string;
  pass: boolean;
}

/** What every results file holds besides the benchmark's own numbers. */
export interface ResultFile {
  benchmark: string;
  machine: MachineInfo;
  /** 1-minute load average over the measurement: the machine is shared, a busy run is noted. */
  load: { min: number; mean: number; max: number };
  command: string;
  rows: Row[];
  pass: boolean;
  result: unknown;
}

export function writeResult(file: ResultFile): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${file.benchmark}.json`);
  // Infinity (a missed change) is not JSON: written as null, with the count of missed changes beside it.
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

export function readResults(): ResultFile[] {
  if (!existsSync(RESULTS_DIR)) return [];
  const order = [
    'latency',
    'initial-sync',
    'api-calls',
    'memory',
    'writer-scaling',
    'writer-scaling-backlog',
    'baseline',
    'busy-day',
  ];
  return readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as ResultFile)
    .sort((a, b) => order.indexOf(a.benchmark) - order.indexOf(b.benchmark));
}

/** The results as a Markdown table (one or more rows per benchmark), columns padded as the formatter pads them. */
export function markdownTable(files: readonly ResultFile[]): string {
  const header = ['benchmark', 'target', 'result', 'pass', 'run (UTC), commit, load 1-min min/mean/max'];
  const rows = files.flatMap((f) =>
    f.rows.map((row) => [
      row.benchmark,
      row.target,
      row.result,
      row.pass ? '✅ pass' : '❌ miss',
      `${f.machine.date.slice(0, 16).replace('T', ' ')}, ${f.machine.git.commit.slice(0, 8)}${f.machine.git.dirtyFiles > 0 ? `+${f.machine.git.dirtyFiles}` : ''}, ${f.load.min}/${f.load.mean}/${f.load.max}`,
    ]),
  );
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]!))));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - displayWidth(c))).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** Columns a string takes in a monospaced font: emoji and East Asian wide characters take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += WIDE.test(ch) ? 2 : 1;
  return width;
}
const WIDE =
  /\p{Emoji_Presentation}|[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u;

/** Plain-text table for the terminal. */
export function textTable(files: readonly ResultFile[]): string {
  const rows = files.flatMap((f) => f.rows.map((r) => [r.benchmark, r.target, r.result, r.pass ? 'pass' : 'MISS']));
  const header = ['benchmark', 'target', 'result', 'pass'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

/** Replaces the table between the markers in bench/README.md with the latest results. */
export function updateReadme(files: readonly ResultFile[]): boolean {
  const path = join(BENCH_DIR, 'README.md');
  if (!existsSync(path)) return false;
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return false;
  const machine = files[0]?.machine;
  const about = machine
    ? `\n_${machine.cpuModel}, ${machine.cores} cores, ${Math.round(machine.memoryMiB / 1024)} GiB, Node ${machine.node}. Commit \`abcd1234+N\`: the code measured was that commit plus N files other engineers had not committed yet (several engineers work in this checkout)._\n`
    : '';
  writeFileSync(path, `${text.slice(0, a + START.length)}\n${markdownTable(files)}\n${about}${text.slice(b)}`);
  return true;
}
