import type { Log } from './log.ts';

/**
 * Runs sync rounds one at a time and coalesces requests: while a round is in flight, any number
 * of requests (a burst of notifications, the poll timer) collapse into one pending round, which
 * starts when the current one ends. A round that fails is logged; the next request retries.
 */
export class RoundScheduler {
  readonly #run: (reasons: readonly string[]) => Promise<void>;
  readonly #log: Log;
  #running: Promise<void> | undefined;
  #pending: Set<string> | undefined;
  #stopped = false;
  #rounds = 0;

  constructor(run: (reasons: readonly string[]) => Promise<void>, log: Log) {
    this.#run = run;
    this.#log = log;
  }

  /** Asks for a round; returns at once. */
  request(reason: string): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#pending ??= new Set();
      this.#pending.add(reason);
      return;
    }
    this.#start([reason]);
  }

  /** Rounds started so far. */
  get rounds(): number {
    return this.#rounds;
  }

  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** Resolves when no round is running and none is pending. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** No new rounds; waits for the one in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#pending = undefined;
    await this.idle();
  }

  #start(reasons: readonly string[]): void {
    this.#rounds++;
    this.#running = this.#run(reasons)
      .catch((error: unknown) => {
        // A round cut short by stop() is expected; it is redone from the stored cursors next start.
        if (this.#stopped) this.#log.info({ reasons }, 'sync round interrupted by shutdown');
        else this.#log.error({ err: error, reasons }, 'sync round failed');
      })
      .finally(() => {
        const next = this.#pending;
        this.#pending = undefined;
        this.#running = undefined;
        if (next && !this.#stopped) this.#start([...next]);
      });
  }
}
