import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { onFreePort } from '@provision/infra';

export const ROOT = new URL('../../../', import.meta.url).pathname;

export type ServiceName = 'ingestor' | 'mapper' | 'writer' | 'audit';

/**
 * How every service runs in production (the Dockerfile's entrypoint uses the same): a small young
 * generation and a bounded old one, so V8 collects instead of growing past what the service holds
 * (the target is < 150 MB of RSS), and two malloc arenas instead of one per thread.
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=96'] as const;
export const SERVICE_ENV = { MALLOC_ARENA_MAX: '2' } as const;

export { onFreePort, onFreePorts } from '@provision/infra';

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly port: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** Resolves once `/readyz` answers 200; rejects when the process exits first or is not ready in time. */
  readonly ready: Promise<void>;
  /** SIGTERM (graceful) or SIGKILL (a crash), then wait for the exit. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/**
 * Node's arguments for a service (flags, then the script). Default: the TypeScript sources with
 * SERVICE_NODE_FLAGS; the memory benchmark passes the production image's command (the bundles).
 */
export type ServiceLaunch = (name: ServiceName) => readonly string[];

export interface StartServiceOptions {
  logDir: string;
  launch?: ServiceLaunch | undefined;
  port: number;
  timeoutMs?: number;
  /**
   * false: resolve as soon as the process is spawned, without waiting for `/readyz` (its `ready`
   * promise tells when it is), e.g. to crash a service while it is still starting. Default true.
   */
  waitForReady?: boolean;
}

/**
 * Starts `services/<name>/src/main.ts` on this Node (24), with the tracing preload, and `env`; logs to `<logDir>/<name>.log`,
 * and resolves once its `/readyz` answers 200 (or rejects with the log's last lines if it exits first).
 */
export async function startService(
  name: ServiceName,
  env: Record<string, string>,
  options: StartServiceOptions,
): Promise<ServiceProcess> {
  mkdirSync(options.logDir, { recursive: true });
  const log = createWriteStream(join(options.logDir, `${name}.log`), { flags: 'a' });
  // The tracing preload, as the image runs it: it loads nothing unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const args = options.launch?.(name) ?? [
    ...SERVICE_NODE_FLAGS,
    '--import',
    join(ROOT, 'packages', 'telemetry', 'src', 'preload.ts'),
    join(ROOT, 'services', name, 'src', 'main.ts'),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...SERVICE_ENV, ...env, HTTP_PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const tail = logOutput(child, log);
  // Ready means /readyz answers 200: its consumers have joined their groups (whatever LOG_LEVEL says).
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = (async () => {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void exited.then((code) => {
      exitCode = code;
    });
    while (Date.now() < deadline) {
      if (exitCode !== undefined)
        throw new Error(`${name} exited with ${exitCode} before it was ready:\n${tail.join('\n')}`);
      const ready = await fetch(`http://127.0.0.1:${options.port}/readyz`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ready) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${tail.join('\n')}`);
  })();
  // Whoever does not wait for readiness may never look at it (the process may be killed first).
  started.catch(() => undefined);
  if (options.waitForReady !== false) await started;
  return {
    name,
    port: options.port,
    child,
    exited,
    ready: started,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/**
 * `startService` on a port picked for it: the service is told its port (HTTP_PORT) before it binds
 * it, so when another process took the port in between, the service exits with EADDRINUSE and is
 * started again on another one. Waits for readiness (a collision shows only then).
 */
export function startServiceOnFreePort(
  name: ServiceName,
  env: Record<string, string>,
  options: Omit<StartServiceOptions, 'port' | 'waitForReady'>,
): Promise<ServiceProcess> {
  return onFreePort((port) => startService(name, env, { ...options, port }));
}

/**
 * Writes a child's stdout and stderr, line by line, to `log`; returns its last 20 lines (live), for
 * the error when it exits before it is ready.
 */
export function logOutput(child: ChildProcess, log: WriteStream): string[] {
  const tail: string[] = [];
  const onLine = (line: string) => {
    log.write(`${line}\n`);
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  return tail;
}
