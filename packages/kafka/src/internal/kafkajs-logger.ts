import { type LogEntry, logLevel } from 'kafkajs';
import type { Logger } from '../types.ts';

/**
 * Routes kafkajs's own log lines into our logger. kafkajs logs routine group changes at INFO and
 * transient ones ("The group is rebalancing") at ERROR, so INFO goes to debug and ERROR to warn:
 * the driver logs the errors that matter itself, with context.
 */
export function kafkajsLogCreator(logger: Logger) {
  const base = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      if (level === logLevel.ERROR || level === logLevel.WARN) base.warn(fields, message);
      else if (level === logLevel.INFO || level === logLevel.DEBUG) base.debug(fields, message);
    };
}
