// Diagnostic preload, not part of the measurement: `--node-options="--import ./bench/lib/memory-probe.ts"`
// with MEMORY_PROBE_DIR set makes every service append `process.memoryUsage()` (and V8 heap spaces)
// every second to `<dir>/<service>-<pid>.jsonl`, to tell the V8 heap from the rest of the RSS.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';

const dir = process.env['MEMORY_PROBE_DIR'];
if (dir) {
  mkdirSync(dir, { recursive: true });
  const service = /services\/([a-z]+)\//.exec(process.argv[1] ?? '')?.[1] ?? 'node';
  const file = join(dir, `${service}-${process.pid}.jsonl`);
  const mb = (n: number) => Math.round(n / 1e5) / 10;
  const write = () => {
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, mb(s.space_used_size)]));
    appendFileSync(
      file,
      `${JSON.stringify({
        t: Date.now(),
        rss: mb(m.rss),
        heapTotal: mb(m.heapTotal),
        heapUsed: mb(m.heapUsed),
        external: mb(m.external),
        arrayBuffers: mb(m.arrayBuffers),
        spaces,
      })}\n`,
    );
  };
  write();
  setInterval(write, 1000).unref();
}
