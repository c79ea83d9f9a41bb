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

  /** `reauthorizationRequired`: reauthorize; failing that renew; failing that recreate. */
  async reauthorize(subscriptionId: string): Promise<void> {
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

  /** `subscriptionRemoved`: Graph dropped it; make a new one. */
  async recreate(subscriptionId: string): Promise<void> {
    const resource = this.#resourceOf(subscriptionId);
    if (resource !== undefined) await this.#create(resource);
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
