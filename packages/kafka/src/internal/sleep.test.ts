import { describe, expect, it } from 'vitest';
import { sleepWithHeartbeat } from './sleep.ts';

describe('sleepWithHeartbeat', () => {
  it('heartbeats while it waits and completes', async () => {
    let beats = 0;
    const completed = await sleepWithHeartbeat(60, {
      signal: new AbortController().signal,
      tickMs: 10,
      tick: async () => {
        beats++;
      },
    });
    expect(completed).toBe(true);
    expect(beats).toBeGreaterThanOrEqual(3);
  });

  it('returns false as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = sleepWithHeartbeat(10_000, { signal: controller.signal });
    controller.abort();
    expect(await sleeping).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
