import type { Log } from './log.ts';
import type { Clock, SubscriptionGateway, SubscriptionInfo, SubscriptionStore } from './ports.ts';

/** The directory resources the ingestor subscribes to. */
export const SUBSCRIBED_RESOURCES = ['users', 'groups'] as const;

export interface SubscriptionKeeperOptions {
  readonly gateway: SubscriptionGateway;
  readonly store: SubscriptionStore;
  readonly clock: Clock;
  readonly log: Log;
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl: string;
  readonly clientState: string;
  /** How long a subscription is asked to live (Graph allows directory ones under 29 days). */
  readonly lifetimeMs?: number;
  /** Renew when less than this is left. */
  readonly renewBeforeMs?: number;
}

const DAY = 24 * 60 * 60 * 1000;
// Ids of subscriptions another replica (or a previous run) stored are re-read at most this often.
const STORED_IDS_MAX_AGE_MS = 5_000;
// A lifecycle event handled for a subscription is not handled again for it within this window:
// Graph may repeat one, and a forged burst must not turn into a burst of Graph calls.
const REPEAT_WINDOW_MS = 60_000;

/**
 * Keeps one change-notification subscription per resource alive: creates them at start (reusing
 * the ones a previous run left when they can be renewed), renews them before they expire, and
 * answers lifecycle notifications (reauthorize, recreate).
 */
export class SubscriptionKeeper {
  readonly #o: SubscriptionKeeperOptions;
  readonly #lifetimeMs: number;
  readonly #renewBeforeMs: number;
  /** resource → live subscription. */
  readonly #live = new Map<string, SubscriptionInfo>();
  /** Lifecycle work in flight or lately done, by `event:subscriptionId`, with when it started. */
  readonly #handled = new Map<string, { at: number; work: Promise<void> }>();
  #stored: { ids: ReadonlySet<string>; at: number } | undefined;

  constructor(options: SubscriptionKeeperOptions) {
    this.#o = options;
    this.#lifetimeMs = options.lifetimeMs ?? 2 * DAY;
    this.#renewBeforeMs = options.renewBeforeMs ?? DAY;
  }

  /** Live subscriptions, by resource. */
  get subscriptions(): ReadonlyMap<string, SubscriptionInfo> {
    return this.#live;
  }

  /** Whether a subscription id is one of ours. */
  owns(subscriptionId: string): boolean {
    return this.#resourceOf(subscriptionId) !== undefined;
  }

  /**
   * Whether a subscription id is ours: a live one, or one stored by another replica or a previous
   * run (the store is re-read at most every few seconds, so a flood of unknown ids costs little).
   */
  async isOurs(subscriptionId: string): Promise<boolean> {
    if (this.owns(subscriptionId)) return true;
    const now = this.#o.clock.now().getTime();
    if (this.#stored === undefined || now - this.#stored.at > STORED_IDS_MAX_AGE_MS) {
      this.#stored = { ids: new Set(Object.values(await this.#o.store.load())), at: now };
    }
    return this.#stored.ids.has(subscriptionId);
  }

  /** Makes sure each resource has a live subscription. */
  async ensure(): Promise<void> {
    const stored = await this.#o.store.load();
    for (const resource of SUBSCRIBED_RESOURCES) {
      const id = stored[resource];
      if (id !== undefined) {
        try {
          this.#live.set(resource, await this.#o.gateway.renew(id, this.#expiry()));
          this.#o.log.info({ resource, subscriptionId: id }, 'subscription renewed');
          continue;
        } catch (error) {
          this.#o.log.warn({ err: error, resource, subscriptionId: id }, 'stored subscription unusable, creating one');
        }
      }
      await this.#create(resource);
    }
  }

  /** Renews the subscriptions that would expire within the renewal margin. */
  async renewDue(): Promise<void> {
    const now = this.#o.clock.now().getTime();
    for (const [resource, sub] of this.#live) {
      if (Date.parse(sub.expirationDateTime) - now > this.#renewBeforeMs) continue;
      try {
        this.#live.set(resource, await this.#o.gateway.renew(sub.id, this.#expiry()));
      } catch (error) {
        this.#o.log.warn({ err: error, resource, subscriptionId: sub.id }, 'renewal failed, recreating');
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

  async #reauthorize(subscriptionId: string): Promise<void> {
    const resource = this.#resourceOf(subscriptionId);
    if (resource === undefined) return;
    try {
      await this.#o.gateway.reauthorize(subscriptionId);
      return;
    } catch (error) {
      this.#o.log.warn({ err: error, subscriptionId }, 'reauthorize failed, renewing');
    }
    try {
      this.#live.set(resource, await this.#o.gateway.renew(subscriptionId, this.#expiry()));
    } catch (error) {
      this.#o.log.warn({ err: error, subscriptionId }, 'renewal failed, recreating');
      await this.#create(resource);
    }
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

  #once(key: string, run: () => Promise<void>): Promise<void> {
    const now = this.#o.clock.now().getTime();
    for (const [k, h] of this.#handled) if (now - h.at > REPEAT_WINDOW_MS) this.#handled.delete(k);
    const seen = this.#handled.get(key);
    if (seen) {
      this.#o.log.info({ key }, 'repeated lifecycle notification: already handled');
      return seen.work;
    }
    const work = run();
    this.#handled.set(key, { at: now, work });
    // A failed attempt may be tried again by the next notification.
    work.catch(() => this.#handled.delete(key));
    return work;
  }

  async #create(resource: string): Promise<void> {
    const sub = await this.#o.gateway.create({
      resource,
      changeType: 'updated,deleted',
      notificationUrl: this.#o.notificationUrl,
      lifecycleNotificationUrl: this.#o.lifecycleNotificationUrl,
      clientState: this.#o.clientState,
      expirationDateTime: this.#expiry(),
    });
    this.#live.set(resource, sub);
    await this.#o.store.save(resource, sub.id);
    this.#o.log.info({ resource, subscriptionId: sub.id, expires: sub.expirationDateTime }, 'subscription created');
  }

  #expiry(): string {
    return new Date(this.#o.clock.now().getTime() + this.#lifetimeMs).toISOString();
  }

  #resourceOf(subscriptionId: string): string | undefined {
    for (const [resource, sub] of this.#live) if (sub.id === subscriptionId) return resource;
    return undefined;
  }
}
