import { beforeEach, describe, expect, it } from 'vitest';
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

  it('polls again and again once started, and no more after stop', async () => {
    const p = poller({ intervalMs: 5 });
    p.start();
    await waitUntil(() => metrics.assignmentPolls.length >= 3);
    await p.stop();
    const stoppedAt = metrics.assignmentPolls.length;
    // A second poller on the same interval serves as the clock: three of its polls later, the
    // stopped one has not polled again.
    const clock = new RecordingMetrics();
    const other = poller({ intervalMs: 5, metrics: clock });
    other.start();
    await waitUntil(() => clock.assignmentPolls.length >= 3);
    await other.stop();
    expect(metrics.assignmentPolls).toHaveLength(stoppedAt);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
