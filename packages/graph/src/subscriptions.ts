import type { Client } from '@microsoft/microsoft-graph-client';
import { isProvisionError } from '@provision/errors';
import { graphFailure } from './errors.ts';
import { type LifecycleNotice, renewalDue } from './webhook.ts';

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

export type EnsureAction = 'created' | 'renewed' | 'unchanged';
export type LifecycleAction = 'reauthorized' | 'recreated' | 'resync' | 'ignored';

/** The subscription port: Graph's operations plus keeping one alive (`GraphSubscriptionManager`, `InMemorySubscriptions`). */
export interface SubscriptionManager {
  list(): Promise<SubscriptionInfo[]>;
  /** Creates a subscription; Graph first validates `notificationUrl` (and the lifecycle URL). */
  create(spec: SubscriptionSpec): Promise<SubscriptionInfo>;
  renew(id: string, lifetimeMinutes?: number): Promise<SubscriptionInfo>;
  reauthorize(id: string): Promise<void>;
  delete(id: string): Promise<void>;
  /**
   * Makes sure a subscription for `spec` exists and lives longer than `renewWithinMs`: reuses the
   * one with the same resource and notification URL, renews it when due, creates it when missing
   * (or when renewal finds it gone).
   */
  ensure(
    spec: SubscriptionSpec,
    renewWithinMs: number,
  ): Promise<{ subscription: SubscriptionInfo; action: EnsureAction }>;
  /**
   * Acts on a lifecycle notification: `reauthorizationRequired` → reauthorize (renew if that fails);
   * `subscriptionRemoved` → create again; `missed` → nothing here. Every action but `ignored` means
   * the caller should run a delta round to catch up.
   */
  handleLifecycle(notice: LifecycleNotice, spec: SubscriptionSpec): Promise<LifecycleAction>;
}

type SubscriptionOps = Pick<SubscriptionManager, 'list' | 'create' | 'renew' | 'reauthorize'>;

/** `SubscriptionManager.ensure` over the basic operations (shared by the adapter and the fake). */
export async function ensureSubscription(
  ops: SubscriptionOps,
  spec: SubscriptionSpec,
  renewWithinMs: number,
  now: number,
): Promise<{ subscription: SubscriptionInfo; action: EnsureAction }> {
  const existing = (await ops.list()).find(
    (sub) => sub.resource.toLowerCase() === spec.resource.toLowerCase() && sub.notificationUrl === spec.notificationUrl,
  );
  if (!existing) return { subscription: await ops.create(spec), action: 'created' };
  if (!renewalDue(existing.expirationDateTime, now, renewWithinMs))
    return { subscription: existing, action: 'unchanged' };
  try {
    return { subscription: await ops.renew(existing.id, spec.lifetimeMinutes), action: 'renewed' };
  } catch (error) {
    if (isProvisionError(error) && error.details['status'] === 404)
      return { subscription: await ops.create(spec), action: 'created' };
    throw error;
  }
}

/** `SubscriptionManager.handleLifecycle` over the basic operations. */
export async function handleLifecycleNotice(
  ops: SubscriptionOps,
  notice: LifecycleNotice,
  spec: SubscriptionSpec,
): Promise<LifecycleAction> {
  switch (notice.lifecycleEvent) {
    case 'reauthorizationRequired':
      try {
        await ops.reauthorize(notice.subscriptionId);
      } catch {
        await ops.renew(notice.subscriptionId, spec.lifetimeMinutes);
      }
      return 'reauthorized';
    case 'subscriptionRemoved':
      await ops.create(spec);
      return 'recreated';
    case 'missed':
      return 'resync';
    default:
      return 'ignored';
  }
}

/** The expiry to ask for: `lifetimeMinutes` from now, at most just under Graph's limit. */
export function subscriptionExpiry(now: number, lifetimeMinutes: number | undefined): string {
  const minutes = Math.min(
    lifetimeMinutes ?? MAX_DIRECTORY_SUBSCRIPTION_MINUTES - 60,
    MAX_DIRECTORY_SUBSCRIPTION_MINUTES - 1,
  );
  return new Date(now + minutes * 60_000).toISOString();
}

/** Keeps Graph subscriptions alive: create, renew before expiry, reauthorize, recreate after removal. */
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

  ensure(
    spec: SubscriptionSpec,
    renewWithinMs: number,
  ): Promise<{ subscription: SubscriptionInfo; action: EnsureAction }> {
    return ensureSubscription(this, spec, renewWithinMs, this.#now());
  }

  handleLifecycle(notice: LifecycleNotice, spec: SubscriptionSpec): Promise<LifecycleAction> {
    return handleLifecycleNotice(this, notice, spec);
  }

  #expiry(lifetimeMinutes: number | undefined): string {
    const minutes = Math.min(
      lifetimeMinutes ?? MAX_DIRECTORY_SUBSCRIPTION_MINUTES - 60,
      MAX_DIRECTORY_SUBSCRIPTION_MINUTES - 1,
    );
    return new Date(this.#now() + minutes * 60_000).toISOString();
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
