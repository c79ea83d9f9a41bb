/** Options of `waitFor`. */
export interface WaitForOptions {
  /** Give up after this long (default 10 s). */
  timeout?: number;
  /** Poll this often (default 50 ms). */
  interval?: number;
  /** Said in the error on timeout. */
  message?: string;
}

/**
 * Polls `probe` until it returns a truthy value, and returns that value. A probe that throws
 * counts as "not yet"; on timeout the error names the last throw. Never a fixed sleep: the test
 * goes on as soon as the condition holds.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeout = options.timeout ?? 10_000;
  const interval = options.interval ?? 50;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = options.message ?? 'condition';
      const why = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`waitFor: ${what} did not hold within ${timeout} ms${why}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(interval, deadline - Date.now()))));
  }
}
