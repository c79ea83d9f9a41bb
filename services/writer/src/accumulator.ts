/**
 * Gathers items submitted by several callers (one per Kafka partition being consumed) into one
 * batch, flushed when it reaches `maxBatch` items or `lingerMs` after the first item arrived,
 * whichever comes first. One flush runs at a time; what arrives meanwhile waits for the next. Each
 * caller gets the answers to its own items, in order.
 */
export class Accumulator<In, Out> {
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  private readonly flushFn: (items: In[]) => Promise<Out[]>;
  private queue: { items: In[]; resolve: (out: Out[]) => void; reject: (error: unknown) => void }[] = [];
  private queued = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;

  constructor(options: { maxBatch: number; lingerMs: number; flush: (items: In[]) => Promise<Out[]> }) {
    this.maxBatch = options.maxBatch;
    this.lingerMs = options.lingerMs;
    this.flushFn = options.flush;
  }

  /** Queues items (more than `maxBatch` are flushed over several batches) and resolves with their answers. */
  submit(items: readonly In[]): Promise<Out[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (items.length > this.maxBatch) {
      const parts: Promise<Out[]>[] = [];
      for (let i = 0; i < items.length; i += this.maxBatch) parts.push(this.submit(items.slice(i, i + this.maxBatch)));
      return Promise.all(parts).then((answers) => answers.flat());
    }
    return new Promise<Out[]>((resolve, reject) => {
      this.queue.push({ items: [...items], resolve, reject });
      this.queued += items.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queued >= this.maxBatch) {
      this.start();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (!this.running) this.start();
    }, this.lingerMs);
  }

  private start(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const taken: typeof this.queue = [];
    let size = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (!next || (taken.length > 0 && size + next.items.length > this.maxBatch)) break;
      taken.push(next);
      size += next.items.length;
      this.queue.shift();
    }
    this.queued -= size;
    if (taken.length === 0) return;
    this.running = this.run(taken).finally(() => {
      this.running = undefined;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async run(taken: typeof this.queue): Promise<void> {
    try {
      const answers = await this.flushFn(taken.flatMap((t) => t.items));
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
