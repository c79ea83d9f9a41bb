import { describe, expect, it } from 'vitest';
import { systemClock } from './clock.ts';
import { silentLogger } from './logger.ts';
import { ManualClock } from './testing.ts';

describe('the shared clock', () => {
  it('sleeps on the real clock and stops sleeping when aborted', async () => {
    const before = systemClock.now();
    await systemClock.sleep(5);
    expect(systemClock.now()).toBeGreaterThanOrEqual(before + 4);
    const abort = new AbortController();
    const sleeping = systemClock.sleep(60_000, abort.signal);
    abort.abort(new Error('stopping'));
    await expect(sleeping).rejects.toThrow('stopping');
  });

  it('moves a manual clock only when told, waking sleepers in order', async () => {
    const clock = new ManualClock(1_000);
    const woke: number[] = [];
    const a = clock.sleep(100).then(() => woke.push(100));
    const b = clock.sleep(50).then(() => woke.push(50));
    clock.advance(49);
    await Promise.resolve();
    expect(woke).toEqual([]);
    expect(clock.waiting).toBe(2);
    clock.advance(60);
    await Promise.all([a, b]);
    expect(woke).toEqual([50, 100]);
    expect(clock.now()).toBe(1_109);
  });

  it('rejects a manual sleep when aborted', async () => {
    const clock = new ManualClock();
    const abort = new AbortController();
    const sleeping = clock.sleep(10, abort.signal);
    abort.abort(new Error('gone'));
    await expect(sleeping).rejects.toThrow('gone');
    expect(clock.waiting).toBe(0);
  });
});

describe('the shared logger', () => {
  it('drops everything silently, children too', () => {
    expect(() => silentLogger.child({ topic: 't' }).error({ err: new Error('x') }, 'failed')).not.toThrow();
  });
});
