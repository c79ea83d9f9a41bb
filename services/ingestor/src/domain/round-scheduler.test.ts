import { describe, expect, it } from 'vitest';
import { silentLog } from './log.ts';
import { RoundScheduler } from './round-scheduler.ts';

/** A round that finishes only when the test says so. */
function controllableRounds() {
  const runs: { reasons: readonly string[]; finish: () => void; fail: (e: Error) => void }[] = [];
  const scheduler = new RoundScheduler(
    (reasons) =>
      new Promise<void>((resolve, reject) => {
        runs.push({ reasons, finish: resolve, fail: reject });
      }),
    silentLog,
  );
  return { scheduler, runs };
}

describe('RoundScheduler', () => {
  it('runs at most one round at a time and coalesces a burst of requests into one pending round', async () => {
    const { scheduler, runs } = controllableRounds();
    scheduler.request('start');
    for (let i = 0; i < 50; i++) scheduler.request('notification');
    scheduler.request('interval');
    expect(runs).toHaveLength(1);

    runs[0]!.finish();
    await new Promise((r) => setImmediate(r));
    expect(runs).toHaveLength(2);
    expect([...runs[1]!.reasons].sort()).toEqual(['interval', 'notification']);

    runs[1]!.finish();
    await scheduler.idle();
    expect(runs).toHaveLength(2);
    expect(scheduler.rounds).toBe(2);
  });

  it('keeps going after a failed round', async () => {
    const { scheduler, runs } = controllableRounds();
    scheduler.request('start');
    scheduler.request('notification');
    runs[0]!.fail(new Error('graph down'));
    await new Promise((r) => setImmediate(r));
    expect(runs).toHaveLength(2);
    runs[1]!.finish();
    await scheduler.idle();
    scheduler.request('later');
    expect(runs).toHaveLength(3);
    runs[2]!.finish();
    await scheduler.idle();
  });

  it('starts nothing new once stopped, and waits for the round in flight', async () => {
    const { scheduler, runs } = controllableRounds();
    scheduler.request('start');
    scheduler.request('notification');
    const stopped = scheduler.stop();
    let done = false;
    void stopped.then(() => {
      done = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    runs[0]!.finish();
    await stopped;
    scheduler.request('after stop');
    expect(runs).toHaveLength(1);
  });
});
