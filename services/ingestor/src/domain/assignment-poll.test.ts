import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDirectory } from '../testing/fake-directory.ts';
import { MemorySyncState, RecordingMetrics } from '../testing/fakes.ts';
import { type AssignmentPollDeps, AssignmentPoller } from './assignment-poll.ts';
import { silentLog } from './log.ts';

let directory: FakeDirectory;
let state: MemorySyncState;
let metrics: RecordingMetrics;
let requested: string[];
let skipping: boolean;

function poller(overrides: Partial<AssignmentPollDeps> = {}) {
  return new AssignmentPoller({
    source: directory,
    state,
    metrics,
    log: silentLog,
    intervalMs: 60_000,
    requestRound: (reason) => requested.push(reason),
    skip: () => skipping,
    ...overrides,
  });
}

const listings = () => directory.calls.filter((c) => c === 'assignments').length;

beforeEach(async () => {
  directory = new FakeDirectory();
  directory.assign('a1', 'User', 'u1', 'role-std');
  directory.assign('a2', 'Group', 'g1', 'role-admin');
  directory.assign('a3', 'ServicePrincipal', 'sp1', 'role-std');
  state = new MemorySyncState();
  // The snapshot a round leaves: person assignments only.
  await state.updateAssignmentSnapshot([...directory.assignmentMap.values()].slice(0, 2), []);
  metrics = new RecordingMetrics();
  requested = [];
  skipping = false;
});

describe('an assignments poll', () => {
  it('asks for no round while the assignments match the snapshot (service principals ignored)', async () => {
    directory.assign('a4', 'ServicePrincipal', 'sp2', 'role-std');
    expect(await poller().poll()).toBe('unchanged');
    expect(requested).toEqual([]);
    expect(metrics.assignmentPolls).toEqual(['unchanged']);
  });

  it.each([
    ['added', () => directory.assign('a5', 'User', 'u2', 'role-std')],
    ['removed', () => directory.unassign('a2')],
    ['given another role under the same id', () => directory.assign('a1', 'User', 'u1', 'role-admin')],
  ])('asks for one round when an assignment was %s', async (_, change) => {
    change();
    expect(await poller().poll()).toBe('changed');
    expect(requested).toEqual(['assignments']);
    expect(metrics.assignmentPolls).toEqual(['changed']);
  });

  it('does not even list while a round runs, waits or is failing', async () => {
    skipping = true;
    directory.unassign('a1');
    expect(await poller().poll()).toBe('skipped');
    expect(listings()).toBe(0);
    expect(requested).toEqual([]);
  });

  it('counts a failed listing and asks for no round', async () => {
    directory.failNext('assignments', new Error('graph 503'));
    expect(await poller().poll()).toBe('failed');
    expect(requested).toEqual([]);
    expect(metrics.assignmentPolls).toEqual(['failed']);
  });

  it('shares one listing between concurrent polls', async () => {
    const p = poller();
    const [first, second] = await Promise.all([p.poll(), p.poll()]);
    expect([first, second]).toEqual(['unchanged', 'unchanged']);
    expect(listings()).toBe(1);
  });

  it('polls once per interval once started, and no more after stop', async () => {
    vi.useFakeTimers();
    try {
      const p = poller({ intervalMs: 1000 });
      p.start();
      await vi.advanceTimersByTimeAsync(999);
      expect(metrics.assignmentPolls).toEqual([]);
      await vi.advanceTimersByTimeAsync(2001);
      expect(metrics.assignmentPolls).toEqual(['unchanged', 'unchanged', 'unchanged']);
      await p.stop();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(metrics.assignmentPolls).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
