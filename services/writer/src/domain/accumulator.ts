/**
 * Gathers items submitted by several callers (one per Kafka partition being consumed) into one
 * batch, flushed when it reaches `maxBatch` items, or when nothing more has arrived for `lingerMs`
 * (a quiet period) — but never later than `maxLingerMs` after the first item. A lone change waits
 * `lingerMs`; a stream (an initial sync) fills batches of up to `maxBatch`, so Salesforce sees few,
 * full calls. Up to `maxFlushes` flushes run at once (default one): what arrives while they all run
 * waits for the next. Urgent items (a change an admin waits for) are a lane of their own: they wait
 * only `lingerMs`, are never flushed with bulk items, and up to `maxFlushes` urgent flushes run
 * beside the bulk ones. Each caller gets the answers to its own items, in order.
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
  private readonly flushFn: (items: In[], info: { urgent: boolean }) => Promise<Out[]>;
  private readonly bulk = new Lane<In, Out>();
  private readonly urgent = new Lane<In, Out>();
  /** When the first bulk item of the next flush arrived. */
  private firstAt: number | undefined;
  private lastFlushSize = 0;

  constructor(options: {
    maxBatch: number;
    lingerMs: number;
    /** Longest wait for a batch to fill (default `lingerMs`: no waiting past the first quiet period). */
    maxLingerMs?: number;
    /**
     * Flushes at once (default 1), in each lane. More keep Salesforce busy while one flush waits
     * (for a slow Collections call, a retry's backoff), and let a lone change pass a bulk flush in
     * progress; the calls within are still bounded by the concurrency budget.
     */
    maxFlushes?: number;
    /** Writes a batch; `urgent` when its items are urgent (live or on-demand changes, and only those). */
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
   * answers. Urgent items (a change Entra notified, an admin waits for) go in the urgent lane:
   * flushed after `lingerMs` in flushes of their own, beside the bulk flushes, never behind them
   * and never with a sync's batch (its query of thousands of users, its inserts of 200 users).
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
      const lane = urgent ? this.urgent : this.bulk;
      lane.queue.push({ items: [...items], resolve, reject });
      lane.queued += items.length;
      if (urgent) this.scheduleUrgent();
      else this.schedule();
    });
  }

  private scheduleUrgent(): void {
    const lane = this.urgent;
    if (lane.queue.length === 0 || lane.running >= this.maxFlushes || lane.timer) return;
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      this.start(true);
    }, this.lingerMs);
  }

  private schedule(): void {
    const lane = this.bulk;
    if (lane.queue.length === 0 || lane.running >= this.maxFlushes) return;
    if (lane.queued >= this.maxBatch) {
      this.start(false);
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
      lane.running > 0 ? this.firstAt + this.maxLingerMs - now : Math.min(quiet, this.firstAt + this.maxLingerMs - now),
    );
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      if (lane.running < this.maxFlushes) this.start(false);
    }, wait);
  }

  private start(urgent: boolean): void {
    const lane = urgent ? this.urgent : this.bulk;
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = undefined;
    const taken: Queued<In, Out>[] = [];
    let size = 0;
    while (lane.queue.length > 0) {
      const next = lane.queue[0]!;
      if (taken.length > 0 && size + next.items.length > this.maxBatch) break;
      taken.push(next);
      size += next.items.length;
      lane.queue.shift();
    }
    lane.queued -= size;
    if (taken.length === 0) return;
    const again = () => (urgent ? this.scheduleUrgent() : this.schedule());
    if (!urgent) {
      this.lastFlushSize = size;
      // Items left behind (past maxBatch) start their own wait now.
      this.firstAt = lane.queue.length > 0 ? Date.now() : undefined;
    }
    lane.running++;
    void this.run(taken, urgent).finally(() => {
      lane.running--;
      again();
    });
    // A full batch left behind starts at once when a flush is free.
    again();
  }

  private async run(taken: readonly Queued<In, Out>[], urgent: boolean): Promise<void> {
    try {
      const answers = await this.flushFn(
        taken.flatMap((t) => t.items),
        { urgent },
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

interface Queued<In, Out> {
  items: In[];
  resolve: (out: Out[]) => void;
  reject: (error: unknown) => void;
}

/** The items of one lane waiting for a flush, and its flushes running. */
class Lane<In, Out> {
  queue: Queued<In, Out>[] = [];
  queued = 0;
  running = 0;
  timer: ReturnType<typeof setTimeout> | undefined;
}
