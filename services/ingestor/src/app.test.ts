import { describe, expect, it } from 'vitest';
import { buildService } from './app.ts';
import { silentLog } from './domain/log.ts';
import { FakeDirectory } from './testing/fake-directory.ts';
import { MemorySink, MemorySyncState, RecordingMetrics } from './testing/fakes.ts';

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a failed round', () => {
  it('is retried with backoff, without waiting for the poll interval', async () => {
    const failing = new FakeDirectory();
    failing.failNext('appRoles', new Error('graph unavailable'));
    const retried = buildService({
      source: failing,
      state: new MemorySyncState(),
      sink: new MemorySink(),
      metrics: new RecordingMetrics(),
      log: silentLog,
      syncIntervalMs: 3_600_000,
      roundRetry: { initialDelayMs: 10, maxDelayMs: 50 },
    });
    try {
      await retried.start();
      await waitUntil(() => retried.lastRound()?.mode === 'full');
      expect(failing.calls.filter((c) => c === 'appRoles')).toHaveLength(2);
    } finally {
      await retried.stop();
    }
  });
});

describe('the service', () => {
  it('runs a full sync at start, then incremental rounds on request, and is ready once started', async () => {
    const directory = new FakeDirectory();
    directory.upsertUser('u1', { displayName: 'Adele' });
    const sink = new MemorySink();
    const service = buildService({
      source: directory,
      state: new MemorySyncState(),
      sink,
      metrics: new RecordingMetrics(),
      log: silentLog,
      syncIntervalMs: 3_600_000,
    });
    expect(service.ready()).toBe(false);
    await service.start();
    expect(service.ready()).toBe(true);
    await service.idle();
    expect(service.lastRound()?.mode).toBe('full');
    directory.upsertUser('u1', { displayName: 'Adele Vance' });
    service.requestRound('test');
    await service.idle();
    expect(service.lastRound()?.mode).toBe('incremental');
    expect(sink.facts().map((f) => f.type)).toEqual(['user.upserted', 'user.upserted']);
    await service.stop();
    expect(service.ready()).toBe(false);
  });
});
