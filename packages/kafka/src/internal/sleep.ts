/**
 * Waits `ms`, calling `tick` every `tickMs` (the consumer heartbeat, so a long backoff does not
 * cost the group membership). Resolves early, with false, when `signal` aborts.
 */
export async function sleepWithHeartbeat(
  ms: number,
  options: { signal: AbortSignal; tick?: () => Promise<void>; tickMs?: number },
): Promise<boolean> {
  const deadline = Date.now() + ms;
  const tickMs = options.tickMs ?? 1_000;
  while (!options.signal.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) return true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(left, tickMs));
      function done() {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', done);
        resolve();
      }
      options.signal.addEventListener('abort', done, { once: true });
    });
    if (options.tick && !options.signal.aborted) await options.tick();
  }
  return false;
}
