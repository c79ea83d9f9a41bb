import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { logOutput, onFreePort, ROOT } from './processes.ts';

/** What the example subscriber (packages/subscriber) answers on `/summary`. */
export interface SubscriberSummary {
  received: Record<string, number>;
  duplicates: number;
  active: number;
  inactive: number;
  /** One line: `900 active in Salesforce, 3 inactive (received 890 joiner, …)`. */
  line: string;
}

export interface ExampleSubscriber {
  readonly url: string;
  summary(): Promise<SubscriberSummary>;
  /**
   * Waits until it has received at least `expected` lifecycle events, or none arrived for
   * `quietMs`, or `timeoutMs` passed, and returns what it has.
   */
  settle(expected: number, options?: { quietMs?: number; timeoutMs?: number }): Promise<SubscriberSummary>;
  stop(): Promise<void>;
}

/**
 * Starts the example subscriber as another system would run it: its own process and consumer
 * group on the run's lifecycle topic, with a line per event in `<logDir>/subscriber.log`.
 */
export async function startExampleSubscriber(
  env: { KAFKA_BROKERS: string; TOPIC_PREFIX: string },
  logDir: string,
): Promise<ExampleSubscriber> {
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, 'subscriber.log'), { flags: 'a' });
  // It is told its port (PORT) before it binds it: when another process took the port in between,
  // it exits with EADDRINUSE and starts again on another one.
  return onFreePort((port) => startOn(port, env, logDir, log));
}

async function startOn(
  port: number,
  env: { KAFKA_BROKERS: string; TOPIC_PREFIX: string },
  logDir: string,
  log: WriteStream,
): Promise<ExampleSubscriber> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [join(ROOT, 'packages', 'subscriber', 'src', 'example', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const tail = logOutput(child, log);
  const summary = async () => {
    const response = await fetch(`${url}/summary`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`the example subscriber answered ${response.status}`);
    return (await response.json()) as SubscriberSummary;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the example subscriber exited (see ${logDir}/subscriber.log):\n${tail.join('\n')}`);
    }
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the example subscriber was not ready within 60 s (see ${logDir}/subscriber.log)`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const total = (s: SubscriberSummary) => Object.values(s.received).reduce((a, b) => a + b, 0);
  return {
    url,
    summary,
    async settle(expected, { quietMs = 5_000, timeoutMs = 60_000 } = {}) {
      const end = Date.now() + timeoutMs;
      let last = await summary();
      let changedAt = Date.now();
      while (total(last) < expected && Date.now() - changedAt < quietMs && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 250));
        const next = await summary();
        if (total(next) !== total(last)) changedAt = Date.now();
        last = next;
      }
      return last;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
