import type { Initiator } from '@provision/events';
import type {
  AnsweredCommands,
  JobControl,
  JobControlReader,
  LinkStore,
  QuarantineState,
  QuarantineStore,
  RateBudget,
} from '../domain/ports.ts';

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

/** Answered command ids in a Set, shared by the writers of a test as Redis is by a fleet. */
export class InMemoryAnsweredCommands implements AnsweredCommands {
  readonly ids = new Set<string>();

  async which(commandIds: readonly string[]): Promise<Set<string>> {
    return new Set(commandIds.filter((id) => this.ids.has(id)));
  }

  async remember(commandIds: readonly string[]): Promise<void> {
    for (const id of commandIds) this.ids.add(id);
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

/** An admin's decisions in memory: `pause`, `resume`, `clearQuarantine` as the ingestor's API makes them. */
export class InMemoryJobControl implements JobControlReader {
  state: JobControl = { paused: null, quarantineClears: 0, lastClear: null };
  reads = 0;
  static readonly ADMIN: Initiator = { kind: 'user', id: 'admin-1', name: 'Provision Admin' };

  pause(reason: string | null = null, by: Initiator = InMemoryJobControl.ADMIN): void {
    this.state = { ...this.state, paused: { since: '2026-11-26T12:00:00.000Z', by, reason } };
  }
  resume(): void {
    this.state = { ...this.state, paused: null };
  }
  clearQuarantine(by: Initiator = InMemoryJobControl.ADMIN): void {
    this.state = {
      ...this.state,
      quarantineClears: this.state.quarantineClears + 1,
      lastClear: { at: '2026-11-26T12:30:00.000Z', by },
    };
  }
  async read(): Promise<JobControl> {
    this.reads++;
    return this.state;
  }
}

/** The writer's tests run on virtual time (one clock for all of Provision: `@provision/ports`). */
export { VirtualClock } from '@provision/ports/testing';
