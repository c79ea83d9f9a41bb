/**
 * Gathers items submitted by several callers (one per Kafka partition being consumed) into one
 * batch, flushed when it reaches `maxBatch` items, or when nothing more has arrived for `lingerMs`
 * (a quiet period) — but never later than `maxLingerMs` after the first item. A lone change waits
 * `lingerMs`; a stream (an initial sync) fills batches of up to `maxBatch`, so Salesforce sees few,
 * full calls. Up to `maxFlushes` flushes run at once (default one): what arrives while they all run
 * waits for the next, urgent items first. Each caller gets the answers to its own items, in order.
 * The Kafka consumer hands over a user's next command only once the last is answered, so a user is
 * never in two flushes at once.
 */
/** A flush this large means a bulk flow (an initial sync) is under way. */
const BULK = 200;

export class Accumulator<In, Out> {
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  private readonly maxLingerMs: number;
  private readonly maxFlushes: number;
  private firstAt: number | undefined;
  private lastFlushSize = 0;
  private readonly flushFn: (items: In[], info: { urgent: boolean }) => Promise<Out[]>;
  private queue: { items: In[]; urgent: boolean; resolve: (out: Out[]) => void; reject: (error: unknown) => void }[] =
    [];
  private queued = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = 0;
  /** Flushes of urgent items only, started beside the bulk ones (at most `maxFlushes` of them). */
  private urgentRunning = 0;

  constructor(options: {
    maxBatch: number;
    lingerMs: number;
    /** Longest wait for a batch to fill (default `lingerMs`: no waiting past the first quiet period). */
    maxLingerMs?: number;
    /**
     * Flushes at once (default 1). More keep Salesforce busy while one flush waits (for a slow
     * Collections call, a retry's backoff), and let a lone change pass a bulk flush in progress;
     * the calls within are still bounded by the concurrency budget.
     */
    maxFlushes?: number;
    /** Writes a batch; `urgent` when it holds urgent items (a live or on-demand change). */
    flush: (items: In[], info: { urgent: boolean }) => Promise<Out[]>;
  }) {
    this.maxBatch = options.maxBatch;
    this.lingerMs = options.lingerMs;
    this.maxLingerMs = Math.max(options.lingerMs, options.maxLingerMs ?? options.lingerMs);
    this.maxFlushes = Math.max(1, Math.floor(options.maxFlushes ?? 1));
    this.flushFn = options.flush;
  }

  /**
   * Queues items (more than `maxBatch` are flushed over several batches) and resolves with their
   * answers. Urgent items (a change Entra notified, an admin waits for) go ahead of everything
   * queued, and when every flush is busy they get flushes of their own beside them (up to
   * `maxFlushes` more) instead of waiting for one to end, or for an earlier urgent flush to end.
   */
  submit(items: readonly In[], options: { urgent?: boolean } = {}): Promise<Out[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (items.length > this.maxBatch) {
      const parts: Promise<Out[]>[] = [];
      for (let i = 0; i < items.length; i += this.maxBatch)
        parts.push(this.submit(items.slice(i, i + this.maxBatch), options));
      return Promise.all(parts).then((answers) => answers.flat());
    }
    const urgent = options.urgent ?? false;
    return new Promise<Out[]>((resolve, reject) => {
      const entry = { items: [...items], urgent, resolve, reject };
      if (urgent) this.queue.splice(this.urgentQueued(), 0, entry);
      else this.queue.push(entry);
      this.queued += items.length;
      this.schedule();
    });
  }

  /** Whether urgent items wait at the head of the queue and another flush of their own may start. */
  private urgentFlushFree(): boolean {
    return this.queue[0]?.urgent === true && this.urgentRunning < this.maxFlushes;
  }

  /** How many entries at the head of the queue are urgent. */
  private urgentQueued(): number {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.urgent) n++;
    return n;
  }

  private schedule(): void {
    if (this.running >= this.maxFlushes) {
      // The lane: urgent items do not wait for a bulk flush to end (flushes of their own, beside).
      if (this.urgentFlushFree()) this.startAfter(this.lingerMs, true);
      return;
    }
    if (this.queued >= this.maxBatch) {
      this.start();
      return;
    }
    const now = Date.now();
    this.firstAt ??= now;
    // After a big flush more is likely on its way (a sync): a longer quiet period fills the next
    // batch; after a small one, a lone change waits only `lingerMs`.
    const quiet = this.lastFlushSize >= BULK ? Math.min(this.maxLingerMs, this.lingerMs * 5) : this.lingerMs;
    // While a flush runs, a second one goes only full or once its first item waited `maxLingerMs`:
    // what arrives meanwhile fills it, so a fast Salesforce still gets few, full calls, and a slow
    // one gets the next batch without the first finishing.
    const wait = Math.max(
      0,
      this.running > 0 ? this.firstAt + this.maxLingerMs - now : Math.min(quiet, this.firstAt + this.maxLingerMs - now),
    );
    this.startAfter(wait, false);
  }

  private startAfter(wait: number, urgentOnly: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running < this.maxFlushes) this.start();
      else if (urgentOnly && this.urgentFlushFree()) this.start(true);
    }, wait);
  }

  private start(urgentOnly = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const taken: typeof this.queue = [];
    let size = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (!next || (taken.length > 0 && size + next.items.length > this.maxBatch)) break;
      if (urgentOnly && !next.urgent) break;
      taken.push(next);
      size += next.items.length;
      this.queue.shift();
    }
    this.queued -= size;
    this.lastFlushSize = size;
    // Items left behind (past maxBatch) start their own wait now.
    this.firstAt = this.queue.length > 0 ? Date.now() : undefined;
    if (taken.length === 0) return;
    this.running++;
    if (urgentOnly) this.urgentRunning++;
    void this.run(taken).finally(() => {
      this.running--;
      if (urgentOnly) this.urgentRunning--;
      if (this.queue.length > 0) this.schedule();
    });
    // A full batch left behind starts at once when a flush is free.
    if (this.queue.length > 0) this.schedule();
  }

  private async run(taken: typeof this.queue): Promise<void> {
    try {
      const answers = await this.flushFn(
        taken.flatMap((t) => t.items),
        { urgent: taken.some((t) => t.urgent) },
      );
      let at = 0;
      for (const t of taken) {
        t.resolve(answers.slice(at, at + t.items.length));
        at += t.items.length;
      }
    } catch (error) {
      for (const t of taken) t.reject(error);
    }
  }
}
