import type { Logger } from './types.ts';

/** Options of `stopOnSignals`. */
export interface StopOnSignalsOptions {
  signals?: readonly NodeJS.Signals[];
  logger?: Logger;
  /** After this long the process exits anyway (default 30 s, under Kubernetes' 30 s grace). */
  timeoutMs?: number;
  /** Called with the exit code when everything stopped; default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * On SIGTERM or SIGINT, runs `stops` one after another (consumers first, then producers and the
 * client: the order given), then exits 0; 1 if a stop failed or the time ran out. A second signal
 * exits at once. Returns a function that removes the handlers.
 */
export function stopOnSignals(
  stops: readonly (() => Promise<unknown>)[],
  options: StopOnSignalsOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      options.logger?.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    options.logger?.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      options.logger?.error({ timeoutMs: options.timeoutMs ?? 30_000 }, 'graceful stop timed out');
      exit(1);
    }, options.timeoutMs ?? 30_000);
    timer.unref();
    void (async () => {
      let code = 0;
      for (const stop of stops) {
        try {
          await stop();
        } catch (error) {
          code = 1;
          options.logger?.error({ err: error instanceof Error ? error.message : String(error) }, 'a stop failed');
        }
      }
      clearTimeout(timer);
      exit(code);
    })();
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
