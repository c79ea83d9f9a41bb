// Crashes: SIGKILL a service and start it again, on the planned schedule; one service a second
// time shortly after it was started again, before it is ready.

import type { Pipeline } from '@provision/demo';
import { sleepUntil } from './inject.ts';
import type { PlannedKill, Service } from './schedule.ts';

/** One SIGKILL as it happened, in seconds since the faults began. */
export interface KillRecord {
  at: number;
  service: Service;
  /** Killed while starting: spawned, not yet ready. */
  whileStarting: boolean;
  /** Seconds until the service was ready again after this kill (absent when another kill followed first). */
  readyAfter?: number;
  error?: string;
}

const isRunning = (pipeline: Pipeline, name: Service) => {
  const child = pipeline.services[name].child;
  return child.exitCode === null && child.signalCode === null;
};

/** Starts a service and waits for it to be ready, trying again (three times in all) when it fails to start. */
export async function startUntilReady(pipeline: Pipeline, name: Service): Promise<string | undefined> {
  let last: string | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await pipeline.startService(name);
      return undefined;
    } catch (error) {
      last = `start ${attempt} failed: ${(error as Error).message.split('\n')[0]}`;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  return last;
}

/** Makes sure every service runs (started again if it exited), each ready. */
export async function ensureAllRunning(pipeline: Pipeline, services: readonly Service[]): Promise<string[]> {
  const problems: string[] = [];
  for (const name of services) {
    if (isRunning(pipeline, name)) continue;
    const error = await startUntilReady(pipeline, name);
    if (error) problems.push(`${name}: ${error}`);
  }
  return problems;
}

/** Runs the planned kills from `t0` on; kills of one service happen one after the other. */
export async function runKills(
  pipeline: Pipeline,
  plan: readonly PlannedKill[],
  t0: number,
  record: (kill: KillRecord) => void,
): Promise<void> {
  const chains = new Map<Service, Promise<void>>();
  const since = () => Math.round((Date.now() - t0) / 100) / 10;
  const never = new AbortController().signal;
  const one = async (kill: PlannedKill) => {
    const at = since();
    await pipeline.stopService(kill.service, 'SIGKILL');
    if (kill.whileStartingAfterMs !== undefined) {
      record({ at, service: kill.service, whileStarting: false });
      const process = await pipeline.startService(kill.service, { waitForReady: false });
      let ready = false;
      process.ready.then(
        () => {
          ready = true;
        },
        () => undefined, // killed before it was ready: what this is for
      );
      await new Promise((r) => setTimeout(r, kill.whileStartingAfterMs));
      const second = since();
      await pipeline.stopService(kill.service, 'SIGKILL');
      const error = await startUntilReady(pipeline, kill.service);
      record({
        at: second,
        service: kill.service,
        whileStarting: !ready,
        readyAfter: Math.round((since() - second) * 10) / 10,
        ...(ready ? { error: 'it was ready before the second kill' } : {}),
        ...(error ? { error } : {}),
      });
      return;
    }
    const error = await startUntilReady(pipeline, kill.service);
    record({
      at,
      service: kill.service,
      whileStarting: false,
      readyAfter: Math.round((since() - at) * 10) / 10,
      ...(error ? { error } : {}),
    });
  };
  await Promise.all(
    plan.map(async (kill) => {
      await sleepUntil(t0 + kill.atMs, never);
      const previous = chains.get(kill.service) ?? Promise.resolve();
      const next = previous.then(() =>
        one(kill).catch((error: Error) =>
          record({ at: since(), service: kill.service, whileStarting: false, error: error.message }),
        ),
      );
      chains.set(kill.service, next);
      await next;
    }),
  );
}
