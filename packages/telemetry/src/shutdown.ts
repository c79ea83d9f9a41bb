import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import { shutdownTracing } from './tracing.ts';

/**
 * Runs `close` once on SIGTERM, SIGINT or a fatal error, with a deadline; Kubernetes sends SIGTERM
 * and waits `terminationGracePeriodSeconds` (30 s by default), so the default stays under it. Then
 * exports the spans still buffered (the stop's own included), whether or not `close` succeeded.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, delayMs = 25_000): void {
  closeWithGrace({ delay: delayMs }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'fatal error, shutting down');
    else logger.info({ signal }, 'shutting down');
    try {
      await close();
    } finally {
      await shutdownTracing().catch((error: unknown) => logger.warn({ err: error }, 'could not export the last spans'));
    }
    logger.info('stopped');
  });
}
