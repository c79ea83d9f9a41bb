import type { GraphSubscriptionManager } from '@provision/graph';
import type { Clock, NewSubscription, SubscriptionGateway, SubscriptionInfo } from '../domain/ports.ts';

/** `SubscriptionGateway` over `@provision/graph`'s `GraphSubscriptionManager` (which asks for lifetimes in minutes). */
export class GraphSubscriptionGateway implements SubscriptionGateway {
  readonly #manager: GraphSubscriptionManager;
  readonly #clock: Clock;

  constructor(manager: GraphSubscriptionManager, clock: Clock = { now: () => new Date() }) {
    this.#manager = manager;
    this.#clock = clock;
  }

  async create(subscription: NewSubscription): Promise<SubscriptionInfo> {
    const sub = await this.#manager.create({
      resource: subscription.resource,
      changeType: subscription.changeType,
      notificationUrl: subscription.notificationUrl,
      lifecycleNotificationUrl: subscription.lifecycleNotificationUrl,
      clientState: subscription.clientState,
      lifetimeMinutes: this.#minutesUntil(subscription.expirationDateTime),
    });
    return { id: sub.id, resource: sub.resource, expirationDateTime: sub.expirationDateTime };
  }

  async renew(id: string, expirationDateTime: string): Promise<SubscriptionInfo> {
    const sub = await this.#manager.renew(id, this.#minutesUntil(expirationDateTime));
    return { id: sub.id, resource: sub.resource, expirationDateTime: sub.expirationDateTime };
  }

  reauthorize(id: string): Promise<void> {
    return this.#manager.reauthorize(id);
  }

  delete(id: string): Promise<void> {
    return this.#manager.delete(id);
  }

  #minutesUntil(expirationDateTime: string): number {
    return Math.max(1, Math.floor((Date.parse(expirationDateTime) - this.#clock.now().getTime()) / 60_000));
  }
}
