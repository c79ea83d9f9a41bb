// kafkajs 2.2.4 computes `throttledUntil - Date.now()` with `throttledUntil = -1` when nothing is
// throttled (src/network/requestQueue/index.js, scheduleCheckPendingRequests) and passes the
// negative delay to setTimeout. Node has always run such a timer after 1 ms; Node 24 also prints a
// TimeoutNegativeWarning for it (tulios/kafkajs #1751). The behaviour is unchanged, so we drop that
// one warning, and only when it comes from kafkajs's request queue; every other warning passes.
const KAFKAJS_REQUEST_QUEUE = /kafkajs[\\/]src[\\/]network[\\/]requestQueue/;
const MARK = Symbol.for('provision.kafka.quietTimeoutWarning');

type EmitWarning = typeof process.emitWarning;

/** Drops kafkajs's negative-timeout warning from then on, once per process however often it is called. */
export function quietKafkajsTimeoutWarning(): void {
  const holder = process as unknown as Record<symbol, boolean>;
  if (holder[MARK]) return;
  holder[MARK] = true;
  const original: EmitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'TimeoutNegativeWarning' && KAFKAJS_REQUEST_QUEUE.test(new Error().stack ?? '')) return;
    (original as (...args: unknown[]) => void)(warning, ...rest);
  }) as EmitWarning;
}
