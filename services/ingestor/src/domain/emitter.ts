import type { DirectoryEventV1, SyncMarker } from '@provision/events';
import type { Clock, DirectoryEventSink, IdSource, IngestorMetrics } from './ports.ts';

/** Facts published per call: bounds memory when a big group fans out. */
export const PUBLISH_CHUNK = 500;

export type Fact = Exclude<DirectoryEventV1, SyncMarker>;

/** A fact without the fields every fact shares. */
export type FactBody = DistributiveOmit<Fact, 'eventId' | 'syncId' | 'observedAt'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface EmitterDeps {
  readonly sink: DirectoryEventSink;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly metrics: IngestorMetrics;
}

/**
 * Publishes one round's facts under its sync id, after its `sync.started` marker (sent by
 * `start()`, or before the first fact at the latest) and before its `sync.completed`.
 */
export class RoundEmitter {
  readonly syncId: string;
  readonly mode: 'full' | 'incremental';
  readonly counts: Record<string, number> = {};
  readonly #deps: EmitterDeps;
  #started = false;
  readonly #buffer: Fact[] = [];

  constructor(deps: EmitterDeps, syncId: string, mode: 'full' | 'incremental') {
    this.#deps = deps;
    this.syncId = syncId;
    this.mode = mode;
  }

  get started(): boolean {
    return this.#started;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    await this.#marker('sync.started');
    this.#started = true;
  }

  /**
   * Queues facts, in order, and publishes whenever a chunk is full: a round of 100,000 direct
   * assignments makes 200 producer calls, not 100,000. Call `flush()` before changing any state
   * that must only follow the publication (a dropped group, the assignment snapshot, cursors).
   */
  async emit(bodies: Iterable<FactBody>, options: { markers?: boolean } = {}): Promise<void> {
    for (const body of bodies) {
      if (options.markers !== false && !this.#started) await this.start();
      this.#buffer.push(this.#fact(body));
      if (this.#buffer.length >= PUBLISH_CHUNK) await this.#publish(this.#buffer.splice(0, PUBLISH_CHUNK));
    }
  }

  /** Publishes what is queued; resolves when the broker has it all. */
  async flush(): Promise<void> {
    while (this.#buffer.length > 0) await this.#publish(this.#buffer.splice(0, PUBLISH_CHUNK));
  }

  async #publish(chunk: Fact[]): Promise<void> {
    await this.#deps.sink.publish(chunk);
    const byType = new Map<string, number>();
    for (const event of chunk) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
    for (const [type, count] of byType) this.#deps.metrics.published(type, count);
  }

  /** Adds to one of the counts `sync.completed` reports. */
  count(name: string, n = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + n;
  }

  /**
   * Writes `sync.completed` with the counts — after `sync.started`, written now if the round found
   * nothing. Every round ends in every partition, even an idle one: the mapper retries what
   * Salesforce refused at a round's end, and the audit shows when the directory was last read.
   */
  async complete(): Promise<void> {
    await this.flush();
    if (!this.#started) await this.start();
    await this.#marker('sync.completed', { ...this.counts });
  }

  #fact(body: FactBody): Fact {
    return {
      eventId: this.#deps.ids.eventId(),
      syncId: this.syncId,
      observedAt: new Date(this.#deps.clock.now()).toISOString(),
      ...body,
    } as Fact;
  }

  async #marker(type: SyncMarker['type'], counts?: Record<string, number>): Promise<void> {
    const marker: SyncMarker = {
      eventId: this.#deps.ids.eventId(),
      type,
      syncId: this.syncId,
      mode: this.mode,
      at: new Date(this.#deps.clock.now()).toISOString(),
      ...(counts ? { counts } : {}),
    };
    await this.#deps.sink.publishMarker(marker);
    this.#deps.metrics.published(type, 1);
  }
}
