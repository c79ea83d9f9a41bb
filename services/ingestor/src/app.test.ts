import { describe, expect, it } from 'vitest';
import { buildService } from './app.ts';
import { silentLog } from './domain/log.ts';
import { FakeDirectory } from './testing/fake-directory.ts';
import { MemoryLeaseStore, MemoryRelay, MemorySink, MemorySyncState, RecordingMetrics } from './testing/fakes.ts';

/** Waits for a condition (polled) to hold. */
async function waitUntil(condition: () => boolean, timeout = 5000): Promise<void> {
  await expect.poll(condition, { timeout, interval: 5 }).toBe(true);
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

describe('the assignments poll', () => {
  it('brings an assignment-only change to the topic without a notification or the poll interval, and runs no round while nothing changes', async () => {
    const directory = new FakeDirectory();
    directory.roles = [{ id: 'role-std', value: 'Standard User' }];
    directory.upsertUser('u1', { displayName: 'Adele' });
    directory.upsertUser('u2', { displayName: 'Ben' });
    directory.assign('a1', 'User', 'u1', 'role-std');
    const sink = new MemorySink();
    const metrics = new RecordingMetrics();
    const service = buildService({
      source: directory,
      state: new MemorySyncState(),
      sink,
      metrics,
      log: silentLog,
      syncIntervalMs: 3_600_000,
      assignmentPollIntervalMs: 5,
    });
    try {
      await service.start();
      await waitUntil(() => service.lastRound()?.mode === 'full');
      const full = service.lastRound()?.syncId;
      await waitUntil(() => metrics.assignmentPolls.filter((o) => o === 'unchanged').length >= 3);
      expect(service.lastRound()?.syncId).toBe(full);
      expect(metrics.rounds).toHaveLength(1);

      directory.assign('a2', 'User', 'u2', 'role-std');
      await waitUntil(() => sink.facts().some((f) => f.type === 'assignment.changed' && f.assignmentId === 'a2'));
      expect(metrics.assignmentPolls).toContain('changed');
      expect(service.lastRound()?.mode).toBe('incremental');
    } finally {
      await service.stop();
    }
  });

  it('is off when its interval is 0', async () => {
    const service = buildService({
      source: new FakeDirectory(),
      state: new MemorySyncState(),
      sink: new MemorySink(),
      metrics: new RecordingMetrics(),
      log: silentLog,
      syncIntervalMs: 3_600_000,
      assignmentPollIntervalMs: 0,
    });
    expect(service.pollAssignments()).toBeUndefined();
  });
});

describe('replicas with leader election', () => {
  it('one leads and reads the directory; the standby is ready, forwards what it is asked, and takes over when the leader stops', async () => {
    const leases = new MemoryLeaseStore(3000);
    const relay = new MemoryRelay();
    const state = new MemorySyncState();
    const sink = new MemorySink();
    const replica = (name: string) => {
      const directory = new FakeDirectory();
      directory.upsertUser('u1', { displayName: 'Adele' });
      const metrics = new RecordingMetrics();
      const service = buildService({
        source: directory,
        state,
        sink,
        metrics,
        log: silentLog,
        syncIntervalMs: 3_600_000,
        leadership: { lease: leases.lease(name), relay, ttlMs: 3000, intervalMs: 200, relayPollMs: 20 },
      });
      return { service, directory, metrics };
    };
    const a = replica('a');
    const b = replica('b');
    try {
      await a.service.start();
      await waitUntil(() => a.service.lastRound()?.mode === 'full');
      await b.service.start();
      // The standby has tried for the lease twice (start, then one interval) and been refused.
      await waitUntil(() => leases.attempts.filter((n) => n === 'b').length >= 2);
      expect(a.service.leader()).toBe(true);
      expect(b.service.leader()).toBe(false);
      expect(b.service.ready()).toBe(true);
      expect(b.service.fencingToken()).toBeUndefined();
      expect(a.service.fencingToken()).toBe('1');

      // A notification the standby gets reaches the leader, which runs the round; the standby reads nothing.
      a.directory.upsertUser('u1', { displayName: 'Adele Vance' });
      b.service.requestRound('notification');
      expect(relay.forwarded).toEqual(['round:notification']);
      await waitUntil(() => a.service.lastRound()?.mode === 'incremental');
      expect(b.directory.calls).toEqual([]);
      expect(b.service.lastRound()).toBeUndefined();

      // The leader stops (a rollout): it releases the lease and the standby leads within an interval.
      await a.service.stop();
      await waitUntil(() => b.service.leader(), 2000);
      expect(b.service.fencingToken()).toBe('2');
      await waitUntil(() => b.service.lastRound() !== undefined);
      expect(b.metrics.leadershipChanges).toEqual([false, true]);
      expect(a.metrics.leadershipChanges).toEqual([false, true, false]);
    } finally {
      await a.service.stop();
      await b.service.stop();
    }
  });
});
