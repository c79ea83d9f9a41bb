import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The root package does not depend on the workspace packages, so they are imported by path.
import { type Pipeline, type PipelineOptions, startPipeline } from '../../tools/demo/src/index.ts';
import type { ServiceName } from '../../tools/demo/src/processes.ts';

export const SERVICES: ServiceName[] = ['ingestor', 'mapper', 'writer', 'audit'];

/** A pipeline plus the wall-clock times at which each stage started coming up. */
export interface BenchPipeline {
  pipeline: Pipeline;
  /** Date.now() when startPipeline was called, and when each step began (`infrastructure`, `simulators`, `service: x`). */
  marks: Record<string, number>;
  /** Current pid of each service process. */
  pids(): Record<string, number | undefined>;
  /** Stops the services and simulators, then removes this run's topics, Redis keys and audit schema (unless `keep`). */
  stop(): Promise<void>;
}

export async function startBenchPipeline(
  options: PipelineOptions & { onStepAt?: (step: string, at: number) => void; keep?: boolean },
): Promise<BenchPipeline> {
  const marks: Record<string, number> = { start: Date.now() };
  const pipeline = await startPipeline({
    ...options,
    onStep: (message) => {
      const at = Date.now();
      const step = message.split(':')[0] === 'service' ? message : message.split(':')[0]!;
      marks[step] = at;
      options.onStepAt?.(step, at);
      options.onStep?.(message);
    },
  });
  marks['ready'] = Date.now();
  return {
    pipeline,
    marks,
    pids: () => Object.fromEntries(SERVICES.map((n) => [n, pipeline.services[n]?.child.pid])),
    async stop() {
      await pipeline.stop({ keepData: options.keep === true });
    },
  };
}

/** Best effort: a benchmark run leaves no Redis keys or audit schema behind (each 100,000-user run is large). */
/** Parsed JSON lines of a service's log (pino), skipping anything else. */
export function serviceLog(pipeline: Pipeline, name: ServiceName): Record<string, unknown>[] {
  let text = '';
  try {
    text = readFileSync(join(pipeline.logDir, `${name}.log`), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Samples of a service's Prometheus /metrics whose name starts with `prefix`, keyed `name{labels}`. */
export async function scrapeMetrics(
  pipeline: Pipeline,
  name: ServiceName,
  prefix: string,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  try {
    const text = await (await fetch(`http://127.0.0.1:${pipeline.services[name].port}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith(prefix)) continue;
      const at = line.lastIndexOf(' ');
      out[
        line
          .slice(0, at)
          .replace(/service="[a-z]+",?/, '')
          .replace(',}', '}')
      ] = Number(line.slice(at + 1));
    }
  } catch {
    // Reported as empty.
  }
  return out;
}
