import { backoffDelay } from '@provision/retry';
import type { Logger } from '../types.ts';
import { describe } from './errors.ts';

// 100 ms, doubling: at most 12.7 s over the 7 waits before the 8th attempt gives up.
const SETTLE = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 6_400 } as const;

/**
 * Runs a call that reads or waits on topic metadata. A topic created a moment ago (or a broker
 * that just started) may not be in every part of the broker's metadata yet: "does not host this
 * topic-partition", "leader not available". kafkajs marks those retriable, so wait a little and
 * ask again instead of failing a service's start.
 */
export async function whileMetadataSettles<T>(what: string, call: () => Promise<T>, logger: Logger): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retriable = (error as { retriable?: unknown }).retriable === true;
      if (!retriable || attempt >= 8) throw error;
      logger.debug({ attempt, err: describe(error) }, `${what}: metadata not settled yet, retrying`);
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, SETTLE)));
    }
  }
}
