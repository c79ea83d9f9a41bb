import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';

/**
 * Runs `close` once on SIGTERM, SIGINT or a fatal error, with a deadline; Kubernetes sends SIGTERM
 * and waits `terminationGracePeriodSeconds` (30 s by default), so the default stays under it.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, delayMs = 25_000): void {
  closeWithGrace({ delay: delayMs }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'fatal error, shutting down');
    else logger.info({ signal }, 'shutting down');
    await close();
    logger.info('stopped');
  });
}
