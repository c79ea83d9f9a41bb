import type { Clock } from './clock.ts';

/**
 * A clock that moves only when told: `sleep` resolves once `advance` has moved time past its end,
 * so a test steps through retries and deadlines without waiting.
 */
export class ManualClock implements Clock {
  #now: number;
  readonly #sleepers: { until: number; resolve: () => void }[] = [];

  constructor(start: number | Date = Date.parse('2026-01-01T00:00:00Z')) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const sleeper = { until: this.#now + ms, resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.#sleepers.splice(this.#sleepers.indexOf(sleeper), 1);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Moves time by `ms` and wakes the sleepers whose time has come, in order. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#sleepers.filter((s) => s.until <= this.#now).sort((a, b) => a.until - b.until);
    for (const s of due) {
      this.#sleepers.splice(this.#sleepers.indexOf(s), 1);
      s.resolve();
    }
  }

  /** Sleepers still waiting. */
  get waiting(): number {
    return this.#sleepers.length;
  }
}

/**
 * Virtual time: `sleep` advances `now` at once and records the delay, so a test of retries and
 * backoffs runs in no time and can assert the delays asked for.
 */
export class VirtualClock implements Clock {
  time: number;
  readonly sleeps: number[] = [];

  constructor(start: number = Date.parse('2026-11-26T12:00:00Z')) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.time += ms;
  }
}
