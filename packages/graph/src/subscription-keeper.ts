import type { SubscriptionInfo, SubscriptionManager } from './subscriptions.ts';

/** The directory resources kept subscribed by default. */
export const DIRECTORY_RESOURCES = ['users', 'groups'] as const;

/** Remembers our subscription ids, by resource, across restarts and replicas (the ingestor keeps them in Redis). */
export interface SubscriptionIdStore {
  load(): Promise<Record<string, string>>;
  save(resource: string, id: string): Promise<void>;
}

/** The slice of a logger the keeper uses. */
export interface KeeperLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SubscriptionKeeperOptions {
  readonly subscriptions: Pick<SubscriptionManager, 'create' | 'renew' | 'reauthorize'>;
  readonly store: SubscriptionIdStore;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly log?: KeeperLog;
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl: string;
  readonly clientState: string;
  /** Default `users` and `groups`. */
  readonly resources?: readonly string[];
  /** How long a subscription is asked to live (Graph allows directory ones under 29 days); default 2 days. */
  readonly lifetimeMs?: number;
  /** Renew when less than this is left; default 1 day. */
  readonly renewBeforeMs?: number;
}

const DAY = 24 * 60 * 60 * 1000;
// Ids of subscriptions another replica (or a previous run) stored are re-read at most this often,
// so that a flood of notifications for unknown ids costs little.
const STORED_IDS_MAX_AGE_MS = 5_000;
// A lifecycle event handled for a subscription is not handled again for it within this window:
// Graph may repeat one, and a forged burst must not turn into a burst of Graph calls.
const REPEAT_WINDOW_MS = 60_000;
const silent: KeeperLog = { info() {}, warn() {} };

/** Whether a subscription expiring at `expirationDateTime` should be renewed now (an unreadable date is due). */
export function renewalDue(expirationDateTime: string, now: number, marginMs: number): boolean {
  const expiry = Date.parse(expirationDateTime);
  return Number.isNaN(expiry) || expiry - now <= marginMs;
}

/**
 * Keeps one change-notification subscription per resource alive: creates them at start (reusing
 * the ones a previous run left when they can be renewed), renews them before they expire, tells
 * whether a subscription id is ours, and answers lifecycle notifications (reauthorize, recreate),
 * each event once however often Graph (or a forger) repeats it.
 */
export class SubscriptionKeeper {
  readonly #options: SubscriptionKeeperOptions;
  readonly #log: KeeperLog;
  readonly #resources: readonly string[];
  readonly #lifetimeMinutes: number;
  readonly #renewBeforeMs: number;
  /** resource → live subscription. */
  readonly #live = new Map<string, SubscriptionInfo>();
  /** Lifecycle work in flight or lately done, by `event:subscriptionId`, with when it started. */
  readonly #handled = new Map<string, { at: number; work: Promise<void> }>();
  #stored: { ids: ReadonlySet<string>; at: number } | undefined;

  constructor(options: SubscriptionKeeperOptions) {
    this.#options = options;
    this.#log = options.log ?? silent;
    this.#resources = options.resources ?? DIRECTORY_RESOURCES;
    this.#lifetimeMinutes = Math.max(1, Math.floor((options.lifetimeMs ?? 2 * DAY) / 60_000));
    this.#renewBeforeMs = options.renewBeforeMs ?? DAY;
  }

  /** Live subscriptions, by resource. */
  get subscriptions(): ReadonlyMap<string, SubscriptionInfo> {
    return this.#live;
  }

  /** Whether every resource has a live subscription (else `ensure()` is due rather than `renewDue()`). */
  get complete(): boolean {
    return this.#resources.every((resource) => this.#live.has(resource));
  }

  /** Whether a subscription id is one of the live ones. */
  owns(subscriptionId: string): boolean {
    return this.#resourceOf(subscriptionId) !== undefined;
  }

  /**
   * Whether a subscription id is ours: a live one, or one stored by another replica or a previous
   * run (the store is re-read at most every few seconds).
   */
  async isOurs(subscriptionId: string): Promise<boolean> {
    if (this.owns(subscriptionId)) return true;
    const now = this.#options.now();
    if (this.#stored === undefined || now - this.#stored.at > STORED_IDS_MAX_AGE_MS) {
      this.#stored = { ids: new Set(Object.values(await this.#options.store.load())), at: now };
    }
    return this.#stored.ids.has(subscriptionId);
  }

  /** Makes sure each resource has a live subscription: renews the stored one, else creates one. */
  async ensure(): Promise<void> {
    const stored = await this.#options.store.load();
    for (const resource of this.#resources) {
      const id = stored[resource];
      if (id !== undefined) {
        try {
          this.#live.set(resource, await this.#options.subscriptions.renew(id, this.#lifetimeMinutes));
          this.#log.info({ resource, subscriptionId: id }, 'subscription renewed');
          continue;
        } catch (error) {
          this.#log.warn({ err: error, resource, subscriptionId: id }, 'stored subscription unusable, creating one');
        }
      }
      await this.#create(resource);
    }
  }

  /** Renews the subscriptions that would expire within the renewal margin; recreates one that cannot be. */
  async renewDue(): Promise<void> {
    const now = this.#options.now();
    for (const [resource, sub] of this.#live) {
      if (!renewalDue(sub.expirationDateTime, now, this.#renewBeforeMs)) continue;
      try {
        this.#live.set(resource, await this.#options.subscriptions.renew(sub.id, this.#lifetimeMinutes));
      } catch (error) {
        this.#log.warn({ err: error, resource, subscriptionId: sub.id }, 'renewal failed, recreating');
        await this.#create(resource);
      }
    }
  }

  /**
   * `reauthorizationRequired`: reauthorize; failing that renew; failing that recreate. Repeats of
   * the event for the same subscription, at once or within a minute, share the one attempt.
   */
  reauthorize(subscriptionId: string): Promise<void> {
    return this.#once(`reauthorize:${subscriptionId}`, () => this.#reauthorize(subscriptionId));
  }

  /**
   * `subscriptionRemoved`: Graph dropped it; make a new one. Repeats of the event share the one
   * re-creation, and once it is done the old id is no longer ours.
   */
  recreate(subscriptionId: string): Promise<void> {
    return this.#once(`recreate:${subscriptionId}`, async () => {
      const resource = this.#resourceOf(subscriptionId);
      if (resource !== undefined) await this.#create(resource);
    });
  }

  async #reauthorize(subscriptionId: string): Promise<void> {
    const resource = this.#resourceOf(subscriptionId);
    if (resource === undefined) return;
    try {
      await this.#options.subscriptions.reauthorize(subscriptionId);
      return;
    } catch (error) {
      this.#log.warn({ err: error, subscriptionId }, 'reauthorize failed, renewing');
    }
    try {
      this.#live.set(resource, await this.#options.subscriptions.renew(subscriptionId, this.#lifetimeMinutes));
    } catch (error) {
      this.#log.warn({ err: error, subscriptionId }, 'renewal failed, recreating');
      await this.#create(resource);
    }
  }

  #once(key: string, run: () => Promise<void>): Promise<void> {
    const now = this.#options.now();
    for (const [k, h] of this.#handled) if (now - h.at > REPEAT_WINDOW_MS) this.#handled.delete(k);
    const seen = this.#handled.get(key);
    if (seen) {
      this.#log.info({ key }, 'repeated lifecycle notification: already handled');
      return seen.work;
    }
    const work = run();
    this.#handled.set(key, { at: now, work });
    // A failed attempt may be tried again by the next notification.
    work.catch(() => this.#handled.delete(key));
    return work;
  }

  async #create(resource: string): Promise<void> {
    const sub = await this.#options.subscriptions.create({
      resource,
      changeType: 'updated,deleted',
      notificationUrl: this.#options.notificationUrl,
      lifecycleNotificationUrl: this.#options.lifecycleNotificationUrl,
      clientState: this.#options.clientState,
      lifetimeMinutes: this.#lifetimeMinutes,
    });
    this.#live.set(resource, sub);
    await this.#options.store.save(resource, sub.id);
    this.#log.info({ resource, subscriptionId: sub.id, expires: sub.expirationDateTime }, 'subscription created');
  }

  #resourceOf(subscriptionId: string): string | undefined {
    for (const [resource, sub] of this.#live) if (sub.id === subscriptionId) return resource;
    return undefined;
  }
}
