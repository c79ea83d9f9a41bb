import { type ChildProcess, spawn } from 'node:child_process';
import { startGraphSim } from '@provision/graph-sim';
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
  const { child, stderr } = run({
    KAFKA_BROKERS: 'localhost',
    DATABASE_URL: 'mysql://x',
    AUDIT_RETENTION_DAYS: '0',
    AUTH_TENANT_ID: '7c1f3b2a-0d4e-4f6a-9b8c-1e2d3c4b5a69',
    AUTH_AUTHORITY_HOST: 'https://login.test',
    AUTH_AUDIENCE: 'api://provision',
  });
  expect(await exited(child)).toBe(1);
  expect(stderr()).toMatch(/Invalid configuration, 3 problems/);
  for (const name of ['KAFKA_BROKERS', 'DATABASE_URL', 'AUDIT_RETENTION_DAYS']) expect(stderr()).toContain(name);
});

test('runs as a process: logs its port, gets ready, serves the API to a signed-in caller and stops on SIGTERM', async ({
  kafka,
  postgres,
}) => {
  // graph-sim is the identity provider: the audit reads its keys over HTTPS, as it would Entra's.
  const sim = await startGraphSim();
  const { child, lines } = run({
    NODE_EXTRA_CA_CERTS: sim.caCertPath,
    AUTH_TENANT_ID: sim.tenantId,
    AUTH_AUTHORITY_HOST: sim.authorityHost,
    AUTH_AUDIENCE: sim.signIn.apiAppId,
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
    expect((await fetch(`${base}/api/provisioning-logs`)).status).toBe(401);
    const token = await fetch(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sim.signIn.client.clientId,
        client_secret: sim.signIn.client.clientSecret,
        scope: sim.signIn.defaultScope,
      }),
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const logs = await fetch(`${base}/api/provisioning-logs`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(await logs.json()).toEqual({ items: [], nextCursor: null });
    expect((await fetch(`${base}/`)).headers.get('content-type')).toMatch(/text\/html/);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/provision_audit_messages_total|process_cpu/);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(lines.some((l) => l.msg === 'stopped')).toBe(true);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await sim.close();
  }
});
