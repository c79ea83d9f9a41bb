import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = new URL('../../../', import.meta.url).pathname;

export type ServiceName = 'ingestor' | 'mapper' | 'writer' | 'audit';

/** A free TCP port on the loopback (the OS picks it; the service then binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly port: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM (graceful) or SIGKILL (a crash), then wait for the exit. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/**
 * Starts `services/<name>/src/main.ts` on this Node (24) with `env`, logs to `<logDir>/<name>.log`,
 * and resolves once it logs `started` (or rejects with the log's last lines if it exits first).
 */
export async function startService(
  name: ServiceName,
  env: Record<string, string>,
  options: { logDir: string; port: number; timeoutMs?: number },
): Promise<ServiceProcess> {
  mkdirSync(options.logDir, { recursive: true });
  const log = createWriteStream(join(options.logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [join(ROOT, 'services', name, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, HTTP_PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const tail: string[] = [];
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${options.timeoutMs ?? 60_000} ms:\n${tail.join('\n')}`)),
      options.timeoutMs ?? 60_000,
    );
    const onLine = (line: string) => {
      log.write(`${line}\n`);
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (/"msg":"started"/.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it started:\n${tail.join('\n')}`));
    });
  });
  await started;
  return {
    name,
    port: options.port,
    child,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
