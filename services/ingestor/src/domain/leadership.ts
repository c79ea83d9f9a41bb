import type { Log } from './log.ts';

/**
 * A lease that at most one replica holds at a time, with a fencing token that grows with every
 * new holder (Redis: `RedisLeaderLease`). The token is what the state store checks on each write,
 * so a holder that lost the lease without noticing (a long GC pause, a frozen VM) cannot write.
 */
export interface LeaderLease {
  /** Takes the lease when it is free (or keeps it when ours); the fencing token, or undefined when another replica holds it. */
  acquire(): Promise<string | undefined>;
  /** Extends our lease by its TTL; false when it is no longer ours (expired and taken, or lost with Redis's data). */
  renew(): Promise<boolean>;
  /** Gives the lease up when ours, so a standby takes over at its next attempt instead of after the TTL. */
  release(): Promise<void>;
}

/**
 * Where triggers go when this replica is not the leader: a change notification or a lifecycle
 * event a standby received (the Service spreads Graph's calls over every replica) is handed to
 * the leader through Redis rather than dropped.
 */
export interface TriggerRelay {
  forward(trigger: string): Promise<void>;
  /** Takes every trigger forwarded so far (the leader calls it). */
  drain(): Promise<readonly string[]>;
}

export interface ElectorOptions {
  readonly lease: LeaderLease;
  /** How long the lease lives without renewal. */
  readonly ttlMs: number;
  /** Renewal (leader) and acquisition attempts (standby) are this far apart; well under half the TTL. */
  readonly intervalMs: number;
  readonly log: Log;
  /** Called on election with the fencing token; the leader's duties start here. */
  readonly onElected: (token: string) => void;
  /** Called when the lease is lost or given up; resolves when the duties have stopped. */
  readonly onDeposed: (reason: string) => Promise<void>;
  /** Monotonic milliseconds (default `performance.now`). */
  readonly now?: () => number;
}

/**
 * Runs the election: a standby tries to take the lease every `intervalMs`; the leader renews it as
 * often. The leader steps down on its own when a renewal says the lease is gone, and also when no
 * renewal has succeeded for `ttlMs - intervalMs / 2` since the last one was sent (Redis unreachable,
 * a renewal hanging): by then another replica may be about to take the lease, and the leader
 * must have stopped first. Whatever it still tries to write after that is refused by the fence.
 */
export class LeaderElector {
  readonly #options: ElectorOptions;
  readonly #now: () => number;
  #token: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #stepping: Promise<void> | undefined;
  #running = false;

  constructor(options: ElectorOptions) {
    if (options.intervalMs * 2 >= options.ttlMs) {
      throw new Error(
        `leader election: the renewal interval (${options.intervalMs} ms) must be under half the lease TTL (${options.ttlMs} ms)`,
      );
    }
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The fencing token while this replica leads; undefined otherwise. */
  get token(): string | undefined {
    return this.#token;
  }

  get leader(): boolean {
    return this.#token !== undefined;
  }

  /** First attempt at once, then every `intervalMs`. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops the attempts; a leader stops its duties, then releases the lease. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    // An attempt in flight is not waited for (it may hang on an unreachable Redis; it times out on
    // its own): from now on it changes nothing.
    const wasLeader = this.leader;
    await this.#stepDown('shutdown');
    if (wasLeader) {
      await this.#options.lease.release().catch((error: unknown) => {
        this.#options.log.warn({ err: error }, 'could not release the leader lease; it expires by itself');
      });
    }
  }

  /** One attempt now (the timer calls it; tests too). */
  attempt(): Promise<void> {
    this.#tick ??= this.#attempt().finally(() => {
      this.#tick = undefined;
    });
    return this.#tick;
  }

  async #attempt(): Promise<void> {
    await this.#stepping;
    const sentAt = this.#now();
    if (this.leader) {
      let held: boolean;
      try {
        held = await this.#bounded(this.#options.lease.renew(), 'renewal');
      } catch (error) {
        // The deadline timer steps down if this goes on for too long.
        this.#options.log.warn({ err: error }, 'could not renew the leader lease; trying again');
        return;
      }
      // Stepped down meanwhile (the deadline passed while the renewal hung): the next attempt retakes it.
      if (!this.leader) return;
      if (!held) return this.#stepDown('lease lost (expired and taken by another replica, or Redis lost it)');
      this.#armDeadline(sentAt);
      return;
    }
    let token: string | undefined;
    try {
      token = await this.#bounded(this.#options.lease.acquire(), 'acquisition');
    } catch (error) {
      this.#options.log.warn({ err: error }, 'could not reach Redis to take the leader lease; trying again');
      return;
    }
    if (token === undefined) return;
    if (!this.#running) {
      await this.#options.lease.release().catch(() => undefined);
      return;
    }
    this.#token = token;
    this.#armDeadline(sentAt);
    this.#options.log.info({ fencingToken: token, leader: true }, 'leader: this replica reads Graph now');
    this.#options.onElected(token);
  }

  /** A lease call that has not answered within an interval counts as failed (the next attempt is due). */
  #bounded<T>(call: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`leader lease ${what} timed out`)), this.#options.intervalMs);
    });
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
  }

  #armDeadline(sentAt: number): void {
    clearTimeout(this.#deadline);
    // The lease lives ttlMs from when Redis got the command, which is after sentAt: stepping down
    // half an interval before sentAt + ttlMs is early enough whatever the network did.
    const remaining = sentAt + this.#options.ttlMs - this.#options.intervalMs / 2 - this.#now();
    this.#deadline = setTimeout(
      () => {
        void this.#stepDown('no renewal of the leader lease succeeded in time');
      },
      Math.max(0, remaining),
    );
    this.#deadline.unref();
  }

  #stepDown(reason: string): Promise<void> {
    if (this.#token === undefined) return this.#stepping ?? Promise.resolve();
    const token = this.#token;
    this.#token = undefined;
    clearTimeout(this.#deadline);
    this.#options.log.info(
      { fencingToken: token, leader: false, reason },
      'standby: this replica no longer reads Graph',
    );
    this.#stepping = this.#options.onDeposed(reason).catch((error: unknown) => {
      this.#options.log.error({ err: error }, 'stopping the leader duties failed');
    });
    return this.#stepping;
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      void this.attempt().finally(() => this.#schedule(this.#options.intervalMs));
    }, delayMs);
    this.#timer.unref();
  }
}

/** A thrown write of a replica whose fencing token is no longer the current one. */
export class FencedOut extends Error {
  constructor(what: string) {
    super(`${what} was refused: this replica is no longer the ingestor's leader (its fencing token is stale).`);
    this.name = 'FencedOut';
  }
}
