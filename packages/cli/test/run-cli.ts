import { spawn } from 'node:child_process';

const MAIN = new URL('../src/main.ts', import.meta.url).pathname;

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI as a process on the Node running the tests (24). Asynchronous, so that the servers
 * the test started in this process keep answering while the CLI talks to them. The environment
 * holds only PATH and `env`: nothing leaks in from the developer's shell.
 */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs the CLI in this process (the same `runCli` main.ts calls), capturing what it prints: the
 * cheap way to cover many cases; `runCli` above covers the process and its exit codes.
 */
export async function runInProcess(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const { runCli: run } = await import('../src/program.ts');
  const { readFile } = await import('node:fs/promises');
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readFile: (path) => readFile(path, 'utf8'),
    env,
  });
  return { code, stdout, stderr };
}
