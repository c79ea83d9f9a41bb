// Diagnostic preload, not part of the measurement: `--node-options="--import ./bench/lib/alloc-probe.ts"`
// with ALLOC_PROBE_DIR set makes every service write, every 5 s, where its large allocations come
// from (Buffers, text encoding, JSON of 128 KiB or more), by call stack, to
// `<dir>/<service>-<pid>.txt`: what memory-probe's `arrayBuffers` does not say. Loading a `.ts`
// preload makes Node load its TypeScript stripper (~5 MB of heap): compare probed runs with probed runs.
import { Buffer } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env['ALLOC_PROBE_DIR'];
const LARGE = 128 * 1024;

if (dir) {
  mkdirSync(dir, { recursive: true });
  const service = /services\/([a-z]+)\//.exec(process.argv[1] ?? '')?.[1] ?? 'node';
  const file = join(dir, `${service}-${process.pid}.txt`);
  const byStack = new Map<string, { count: number; bytes: number; largest: number }>();
  const note = (what: string, size: number) => {
    if (size < LARGE) return;
    const frames = (new Error().stack ?? '').split('\n').slice(3, 10);
    const key = `${what} ${frames.map((f) => f.trim()).join(' < ')}`;
    const seen = byStack.get(key) ?? { count: 0, bytes: 0, largest: 0 };
    seen.count++;
    seen.bytes += size;
    seen.largest = Math.max(seen.largest, size);
    byStack.set(key, seen);
  };
  const statics = Buffer as unknown as Record<string, (...args: unknown[]) => Buffer>;
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow', 'concat', 'from']) {
    const original = statics[name]!;
    statics[name] = function (this: unknown, ...args: unknown[]) {
      const out = original.apply(this, args);
      note(`Buffer.${name}`, out.length);
      return out;
    };
  }
  const encode = TextEncoder.prototype.encode;
  TextEncoder.prototype.encode = function (this: unknown, input?: string) {
    const out = encode.call(this as never, input);
    note('TextEncoder.encode', out.length);
    return out;
  };
  const parse = JSON.parse;
  JSON.parse = (text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    if (typeof text === 'string') note('JSON.parse', text.length);
    return parse(text, reviver);
  };
  const stringify = JSON.stringify as (...args: unknown[]) => string | undefined;
  (JSON as { stringify: unknown }).stringify = (...args: unknown[]) => {
    const out = stringify(...args);
    if (typeof out === 'string') note('JSON.stringify', out.length);
    return out;
  };
  const mb = (n: number) => (n / 1e6).toFixed(1);
  setInterval(() => {
    const rows = [...byStack].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 25);
    const text = rows.map(([k, s]) => `${mb(s.bytes)} MB in ${s.count} (largest ${mb(s.largest)} MB) ${k}`);
    writeFileSync(file, `${text.join('\n\n')}\n`);
  }, 5000).unref();
}
