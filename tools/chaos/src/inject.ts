// Faults injected the way an operator would: through the simulators' admin APIs over HTTP.

import type { GraphSim } from '@provision/graph-sim';
import { restartKafka } from '@provision/infra';
import type { SalesforceSim } from '@provision/salesforce-sim';
import { Redis } from 'ioredis';
import { type GraphEpisode, SALESFORCE_BASELINE, type SalesforceEpisode, type SalesforceFaults } from './schedule.ts';

/** A fault as it was injected, with its time in seconds since the faults began. */
export interface InjectedFault {
  at: number;
  target: 'salesforce' | 'graph' | 'kafka' | 'redis';
  kind: string;
  durationMs?: number;
  detail?: unknown;
  error?: string;
}

async function admin(url: string, method: string, body?: unknown): Promise<void> {
  const response = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok)
    throw new Error(`${method} ${new URL(url).pathname} answered ${response.status}: ${await response.text()}`);
}

export const setSalesforceFaults = (salesforce: SalesforceSim, config: SalesforceFaults) =>
  admin(`${salesforce.url}/__admin/faults`, 'PUT', config);
export const clearSalesforceFaults = (salesforce: SalesforceSim) => admin(`${salesforce.url}/__admin/faults`, 'DELETE');
export const clearGraphFaults = (graph: GraphSim) => admin(`${graph.url}/__admin/faults`, 'DELETE');

/** Sleeps until `at` (epoch ms) or until `stop` aborts; true when it was stopped. */
export async function sleepUntil(at: number, stop: AbortSignal): Promise<boolean> {
  const ms = at - Date.now();
  if (stop.aborted) return true;
  if (ms > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        resolve();
      }
      stop.addEventListener('abort', done, { once: true });
    });
  }
  return stop.aborted;
}

/** Runs the Salesforce episodes over the baseline, from `t0` on, until done or stopped. */
export async function runSalesforceFaults(
  salesforce: SalesforceSim,
  episodes: readonly SalesforceEpisode[],
  t0: number,
  stop: AbortSignal,
  record: (fault: InjectedFault) => void,
): Promise<void> {
  const at = () => Math.round((Date.now() - t0) / 100) / 10;
  const attempt = async (kind: string, fn: () => Promise<void>, extra: Partial<InjectedFault> = {}) => {
    try {
      await fn();
      record({ at: at(), target: 'salesforce', kind, ...extra });
    } catch (error) {
      record({ at: at(), target: 'salesforce', kind, ...extra, error: (error as Error).message });
    }
  };
  await attempt('baseline', () => setSalesforceFaults(salesforce, SALESFORCE_BASELINE), {
    detail: SALESFORCE_BASELINE,
  });
  for (const episode of episodes) {
    if (await sleepUntil(t0 + episode.atMs, stop)) return;
    if (episode.expireSessions) {
      await attempt('expired-sessions', () => admin(`${salesforce.url}/__admin/sessions/expire`, 'POST', {}));
    }
    await attempt(episode.kind, () => setSalesforceFaults(salesforce, episode.config), {
      durationMs: episode.durationMs,
      detail: episode.config,
    });
    if (await sleepUntil(t0 + episode.atMs + episode.durationMs, stop)) return;
    await setSalesforceFaults(salesforce, SALESFORCE_BASELINE).catch((error: Error) =>
      record({ at: at(), target: 'salesforce', kind: 'baseline', error: error.message }),
    );
  }
}

/** Injects the Graph faults at their times, from `t0` on, until done or stopped. */
export async function runGraphFaults(
  graph: GraphSim,
  episodes: readonly GraphEpisode[],
  t0: number,
  stop: AbortSignal,
  record: (fault: InjectedFault) => void,
): Promise<void> {
  for (const { atMs, fault } of episodes) {
    if (await sleepUntil(t0 + atMs, stop)) return;
    const at = Math.round((Date.now() - t0) / 100) / 10;
    try {
      if (fault.kind === 'revoke') await admin(`${graph.url}/__admin/tokens/revoke`, 'POST', {});
      else await admin(`${graph.url}/__admin/faults`, 'POST', fault);
      record({ at, target: 'graph', kind: fault.kind, detail: fault });
    } catch (error) {
      record({ at, target: 'graph', kind: fault.kind, detail: fault, error: (error as Error).message });
    }
  }
}

/**
 * The infrastructure faults asked for: a Kafka broker restart at 45 % of the window, and Redis
 * emptied of every key of the run (as a flush or a failover to an empty replica leaves it) at 50 %.
 */
export async function runInfraFaults(
  plan: { brokerRestart: boolean; redisFlush: boolean; windowMs: number; redisUrl: string; redisPrefix: string },
  t0: number,
  stop: AbortSignal,
  record: (fault: InjectedFault) => void,
): Promise<void> {
  const at = () => Math.round((Date.now() - t0) / 100) / 10;
  if (plan.brokerRestart && !(await sleepUntil(t0 + plan.windowMs * 0.45, stop))) {
    const started = Date.now();
    try {
      await restartKafka({ log: () => undefined });
      record({ at: at(), target: 'kafka', kind: 'broker-restart', durationMs: Date.now() - started });
    } catch (error) {
      record({ at: at(), target: 'kafka', kind: 'broker-restart', error: (error as Error).message });
    }
  }
  if (plan.redisFlush && !(await sleepUntil(t0 + plan.windowMs * 0.5, stop))) {
    const redis = new Redis(plan.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    try {
      await redis.connect();
      let deleted = 0;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${plan.redisPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.unlink(...keys);
      } while (cursor !== '0');
      record({ at: at(), target: 'redis', kind: 'flush', detail: { deleted } });
    } catch (error) {
      record({ at: at(), target: 'redis', kind: 'flush', error: (error as Error).message });
    } finally {
      redis.disconnect();
    }
  }
}
