import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { expect } from 'vitest';

const MAIN = new URL('../src/main.ts', import.meta.url).pathname;

function run(env: Record<string, string>): {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
} {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe' });
  const lines: Record<string, unknown>[] = [];
  let err = '';
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts.filter(Boolean)) {
      try {
        lines.push(JSON.parse(line));
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return { child, lines, stderr: () => err };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

test('refuses to start on bad configuration, naming every bad variable', async () => {
  const { child, stderr } = run({ KAFKA_BROKERS: 'localhost', DATABASE_URL: 'mysql://x', AUDIT_RETENTION_DAYS: '0' });
  expect(await exited(child)).toBe(1);
  expect(stderr()).toMatch(/Invalid configuration, 3 problems/);
  for (const name of ['KAFKA_BROKERS', 'DATABASE_URL', 'AUDIT_RETENTION_DAYS']) expect(stderr()).toContain(name);
});

test('runs as a process: logs its port, gets ready, serves the API and stops on SIGTERM', async ({
  kafka,
  postgres,
}) => {
  const { child, lines } = run({
    KAFKA_BROKERS: kafka.brokers,
    DATABASE_URL: postgres.serverUrl,
    DATABASE_SCHEMA: postgres.schema,
    TOPIC_PREFIX: `${kafka.prefix}.`,
    KAFKA_PARTITIONS: '2',
    HTTP_PORT: '0',
  });
  try {
    const started = await waitFor(() => lines.find((l) => l.msg === 'started'), { timeout: 30_000 });
    const base = `http://127.0.0.1:${started.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, { timeout: 20_000 });
    expect(lines.some((l) => String(l.msg).startsWith('failure emails are off'))).toBe(true);
    const logs = await fetch(`${base}/api/provisioning-logs`);
    expect(await logs.json()).toEqual({ items: [], nextCursor: null });
    expect((await fetch(`${base}/`)).headers.get('content-type')).toMatch(/text\/html/);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/provision_audit_messages_total|process_cpu/);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(lines.some((l) => l.msg === 'stopped')).toBe(true);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
