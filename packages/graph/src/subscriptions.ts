import type { Client } from '@microsoft/microsoft-graph-client';
import { graphFailure } from './errors.ts';

/** The longest a users/groups subscription may live: 41,760 minutes (under 29 days). */
export const MAX_DIRECTORY_SUBSCRIPTION_MINUTES = 41_760;

export interface SubscriptionSpec {
  /** `users`, `groups`, `users/{id}`, `groups/{id}`, `groups/{id}/members`. */
  readonly resource: string;
  /** Default `updated,deleted` (what users and groups support). */
  readonly changeType?: string;
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl?: string;
  readonly clientState: string;
  /** Lifetime asked for on create and renewal, default the maximum less an hour. */
  readonly lifetimeMinutes?: number;
}

export interface SubscriptionInfo {
  readonly id: string;
  readonly resource: string;
  readonly changeType: string;
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl: string | null;
  readonly expirationDateTime: string;
}

/**
 * Graph's subscription operations (`GraphSubscriptionManager`, `InMemorySubscriptions`). Keeping
 * subscriptions alive over them is `SubscriptionKeeper`'s job.
 */
export interface SubscriptionManager {
  list(): Promise<SubscriptionInfo[]>;
  /** Creates a subscription; Graph first validates `notificationUrl` (and the lifecycle URL). */
  create(spec: SubscriptionSpec): Promise<SubscriptionInfo>;
  renew(id: string, lifetimeMinutes?: number): Promise<SubscriptionInfo>;
  reauthorize(id: string): Promise<void>;
  delete(id: string): Promise<void>;
}

/** The expiry to ask for: `lifetimeMinutes` from now, at most just under Graph's limit. */
export function subscriptionExpiry(now: number, lifetimeMinutes: number | undefined): string {
  const minutes = Math.min(
    lifetimeMinutes ?? MAX_DIRECTORY_SUBSCRIPTION_MINUTES - 60,
    MAX_DIRECTORY_SUBSCRIPTION_MINUTES - 1,
  );
  return new Date(now + minutes * 60_000).toISOString();
}

/** Graph's `/subscriptions` over the Graph client; every failure becomes a `ProvisionError` (`graphFailure`). */
export class GraphSubscriptionManager implements SubscriptionManager {
  readonly #client: Client;
  readonly #now: () => number;

  constructor(client: Client, options: { now?: () => number } = {}) {
    this.#client = client;
    this.#now = options.now ?? Date.now;
  }

  async list(): Promise<SubscriptionInfo[]> {
    try {
      const page = (await this.#client.api('/subscriptions').get()) as { value?: Record<string, unknown>[] };
      return (page.value ?? []).map(toInfo);
    } catch (error) {
      throw graphFailure(error, 'listing subscriptions');
    }
  }

  /** Creates a subscription; Graph first validates `notificationUrl` (and the lifecycle URL). */
  async create(spec: SubscriptionSpec): Promise<SubscriptionInfo> {
    const body: Record<string, unknown> = {
      changeType: spec.changeType ?? 'updated,deleted',
      notificationUrl: spec.notificationUrl,
      resource: spec.resource,
      expirationDateTime: this.#expiry(spec.lifetimeMinutes),
      clientState: spec.clientState,
    };
    if (spec.lifecycleNotificationUrl) body['lifecycleNotificationUrl'] = spec.lifecycleNotificationUrl;
    try {
      return toInfo((await this.#client.api('/subscriptions').post(body)) as Record<string, unknown>);
    } catch (error) {
      throw graphFailure(error, `creating a subscription to ${spec.resource}`);
    }
  }

  async renew(id: string, lifetimeMinutes?: number): Promise<SubscriptionInfo> {
    try {
      const body = { expirationDateTime: this.#expiry(lifetimeMinutes) };
      return toInfo((await this.#client.api(`/subscriptions/${id}`).patch(body)) as Record<string, unknown>);
    } catch (error) {
      throw graphFailure(error, `renewing subscription ${id}`);
    }
  }

  async reauthorize(id: string): Promise<void> {
    try {
      await this.#client.api(`/subscriptions/${id}/reauthorize`).post({});
    } catch (error) {
      throw graphFailure(error, `reauthorizing subscription ${id}`);
    }
  }

  async delete(id: string): Promise<void> {
    try {
      await this.#client.api(`/subscriptions/${id}`).delete();
    } catch (error) {
      throw graphFailure(error, `deleting subscription ${id}`);
    }
  }

  #expiry(lifetimeMinutes: number | undefined): string {
    return subscriptionExpiry(this.#now(), lifetimeMinutes);
  }
}

function toInfo(raw: Record<string, unknown>): SubscriptionInfo {
  return {
    id: String(raw['id']),
    resource: String(raw['resource']),
    changeType: String(raw['changeType']),
    notificationUrl: String(raw['notificationUrl']),
    lifecycleNotificationUrl:
      typeof raw['lifecycleNotificationUrl'] === 'string' ? raw['lifecycleNotificationUrl'] : null,
    expirationDateTime: String(raw['expirationDateTime']),
  };
}
