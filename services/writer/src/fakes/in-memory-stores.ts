import type { Clock, LinkStore, QuarantineState, QuarantineStore, RateBudget } from '../domain/ports.ts';

/** Links in a Map; `failNext` makes the next call throw (Redis down). */
export class InMemoryLinkStore implements LinkStore {
  readonly links = new Map<string, string>();

  async getMany(userIds: readonly string[]): Promise<Map<string, string>> {
    return new Map(userIds.flatMap((id) => (this.links.has(id) ? [[id, this.links.get(id) as string] as const] : [])));
  }

  async setMany(links: ReadonlyMap<string, string>): Promise<void> {
    for (const [k, v] of links) this.links.set(k, v);
  }

  async deleteMany(userIds: readonly string[]): Promise<void> {
    for (const id of userIds) this.links.delete(id);
  }
}

/** Counts what is spent; never waits. */
export class CountingBudget implements RateBudget {
  spent = 0;
  async spend(units = 1): Promise<void> {
    this.spent += units;
  }
}

export class InMemoryQuarantineStore implements QuarantineStore {
  state: QuarantineState | null = null;
  readonly history: (QuarantineState | null)[] = [];
  async set(state: QuarantineState): Promise<void> {
    this.state = state;
    this.history.push(state);
  }
  async clear(): Promise<void> {
    this.state = null;
    this.history.push(null);
  }
  async get(): Promise<QuarantineState | null> {
    return this.state;
  }
}

/** Virtual time: `sleep` advances `now` at once and records the delay, so no test waits. */
export class VirtualClock implements Clock {
  time: number;
  readonly sleeps: number[] = [];
  constructor(start = Date.parse('2026-11-26T12:00:00Z')) {
    this.time = start;
  }
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.time += ms;
  }
}
