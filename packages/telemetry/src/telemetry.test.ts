import { PassThrough } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import {
  counter,
  createLogger,
  createMetrics,
  gauge,
  inSpan,
  spanContextOf,
  startTracing,
  traceparentOf,
} from './index.ts';

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

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const OTHER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

// In this order: the SDK, once started, stays registered for the rest of the file.
describe('startTracing', () => {
  it('stays off and loads nothing without an endpoint', async () => {
    const tracing = await startTracing({ service: 'x' });
    expect(tracing.enabled).toBe(false);
  });

  it('without the SDK, passes a trace through unchanged and starts none', async () => {
    expect(await inSpan('s', { parent: PARENT }, async (span) => traceparentOf(span))).toBe(PARENT);
    expect(await inSpan('s', {}, async (span) => traceparentOf(span))).toBeUndefined();
    expect(spanContextOf('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(spanContextOf('garbage')).toBeUndefined();
  });

  it('with the SDK, continues the given trace, links the others, and nests the spans started within', async () => {
    // Spans are exported a moment after they end; the SDK's shutdown waits for them, and this
    // exporter keeps them past it.
    const exporter = new (class extends InMemorySpanExporter {
      override shutdown = async () => undefined;
    })();
    const tracing = await startTracing({ service: 'x', exporter });
    const inner = await inSpan('batch', { parent: PARENT, links: [OTHER, 'garbage'] }, async () =>
      inSpan('call', { kind: 'client' }, async (span) => traceparentOf(span)),
    );
    await expect(inSpan('fails', {}, async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    await tracing.shutdown();
    const [call, batch, fails] = exporter.getFinishedSpans();
    expect(batch?.spanContext().traceId).toBe(spanContextOf(PARENT)?.traceId);
    expect(batch?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(batch?.links.map((l) => l.context.traceId)).toEqual(['0af7651916cd43dd8448eb211c80319c']);
    expect(call?.parentSpanContext?.spanId).toBe(batch?.spanContext().spanId);
    expect(inner).toBe(traceparentOf(call as never));
    expect(fails?.status.code).toBe(2);
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
