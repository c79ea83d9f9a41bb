import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { counter, createLogger, createMetrics, gauge, startTracing } from './index.ts';

function capture() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  return { stream, lines };
}

describe('createLogger', () => {
  it('writes JSON lines with the service and redacts secrets at any depth', async () => {
    const { stream, lines } = capture();
    const log = createLogger({ service: 'writer', destination: stream, redact: ['SALESFORCE_PASSWORD'] });
    log
      .child({ userId: 'u1' })
      .info(
        { config: { SALESFORCE_PASSWORD: 'hunter2', SALESFORCE_USERNAME: 'a@b.c' }, auth: { securityToken: 'tok' } },
        'started',
      );
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ service: 'writer', userId: 'u1', level: 'info', msg: 'started' });
    expect(JSON.stringify(lines[0])).not.toMatch(/hunter2|tok"/);
    expect(lines[0]).toMatchObject({ config: { SALESFORCE_PASSWORD: '[redacted]', SALESFORCE_USERNAME: 'a@b.c' } });
  });
});

describe('createMetrics', () => {
  it('exposes counters in the Prometheus text format with the service label', async () => {
    const registry = createMetrics('mapper');
    counter(registry, 'provision_commands_total', 'Commands emitted', ['action']).inc({ action: 'create' }, 3);
    const text = await registry.metrics();
    expect(text).toMatch(/provision_commands_total\{action="create",service="mapper"\} 3/);
    expect(text).toMatch(/process_resident_memory_bytes/);
  });
});

describe('gauge', () => {
  it('reads its value at each scrape when given a reader', async () => {
    const registry = createMetrics('mapper');
    let staged = 3;
    gauge(registry, 'test_staged', 'held back', [], async () => staged);
    expect(await registry.metrics()).toMatch(/^test_staged{service="mapper"} 3$/m);
    staged = 0;
    expect(await registry.metrics()).toMatch(/^test_staged{service="mapper"} 0$/m);
  });
});

describe('startTracing', () => {
  it('stays off and loads nothing without an endpoint', async () => {
    const tracing = await startTracing({ service: 'x' });
    expect(tracing.enabled).toBe(false);
  });
});

describe('ops routes', () => {
  it('answer liveness, readiness as it changes, and metrics', async () => {
    const { createOpsServer } = await import('./index.ts');
    let ready = false;
    const app = createOpsServer({ ready: () => ready, metrics: createMetrics('writer') });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/readyz')).statusCode).toBe(503);
    ready = true;
    expect((await app.inject('/readyz')).json()).toEqual({ status: 'ready' });
    const metrics = await app.inject('/metrics');
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(/process_cpu_user_seconds_total/);
    // Every HTTP server sends the security headers, the bare ops server too.
    expect(metrics.headers['content-security-policy']).toContain("default-src 'none'");
    expect(metrics.headers['x-content-type-options']).toBe('nosniff');
    await app.close();
  });
});
