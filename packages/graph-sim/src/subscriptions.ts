import { randomBytes, randomUUID } from 'node:crypto';
import { GraphHttpError } from './graph-error.ts';
import type { DirectoryChange, Tenant } from './tenant/tenant.ts';

/** Directory subscriptions live at most 41,760 minutes (under 29 days). */
export const MAX_SUBSCRIPTION_MINUTES = 41_760;
/** Subscriptions per app and tenant for users and groups. */
export const SUBSCRIPTION_QUOTA = 100;

export interface Subscription {
  id: string;
  resource: string;
  applicationId: string;
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  creatorId: string;
  includeResourceData: boolean;
  latestSupportedTlsVersion: string;
  notificationContentType: string;
  encryptionCertificate: null;
  encryptionCertificateId: null;
  notificationQueryOptions: null;
}

export interface DeliveryRetry {
  /** First retry delay; doubles up to `maxDelayMs`. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Graph gives up on a notification after four hours. */
  readonly maxAgeMs: number;
  /** HTTP timeout of one delivery (Graph: 3 s) and of a validation request (Graph: 10 s). */
  readonly deliveryTimeoutMs: number;
  readonly validationTimeoutMs: number;
}

export const DEFAULT_DELIVERY_RETRY: DeliveryRetry = {
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  maxAgeMs: 4 * 60 * 60 * 1000,
  deliveryTimeoutMs: 3000,
  validationTimeoutMs: 10_000,
};

/** One POST to a receiver, as the admin API reports it. */
export interface DeliveryRecord {
  readonly url: string;
  readonly kind: 'validation' | 'notification' | 'lifecycle';
  readonly status: number | 'error';
  readonly count: number;
  readonly at: string;
}

interface Pending {
  readonly url: string;
  readonly items: Record<string, unknown>[];
  readonly firstAttempt: number;
  attempt: number;
}

type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

const RESOURCE = /^\/?(users|groups)(?:\/([0-9a-f-]{36})(\/members)?)?$/i;

/** Subscriptions of the tenant, the validation handshake, and delivery of change and lifecycle notifications. */
export class SubscriptionService {
  readonly #subscriptions = new Map<string, Subscription & { paused: boolean }>();
  readonly #tenant: Tenant;
  readonly #retry: DeliveryRetry;
  readonly #allowHttp: boolean;
  readonly #clientId: string;
  readonly #queue = new Map<string, Record<string, unknown>[]>();
  /** Notifications held while a subscription waits for reauthorization (Graph drops them after 4 h). */
  readonly #held = new Map<string, { since: number; items: Record<string, unknown>[] }>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly deliveries: DeliveryRecord[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #unsubscribe: () => void;

  constructor(options: { tenant: Tenant; clientId: string; retry: DeliveryRetry; allowHttp: boolean }) {
    this.#tenant = options.tenant;
    this.#retry = options.retry;
    this.#allowHttp = options.allowHttp;
    this.#clientId = options.clientId;
    this.#unsubscribe = this.#tenant.onChange((change) => this.#onChange(change));
  }

  /** Live (unexpired) subscriptions. */
  list(): Subscription[] {
    this.#expire();
    return [...this.#subscriptions.values()].map(({ paused: _paused, ...sub }) => sub);
  }

  get(id: string): Subscription {
    this.#expire();
    const sub = this.#subscriptions.get(id);
    if (!sub) throw notFound(id);
    const { paused: _paused, ...rest } = sub;
    return rest;
  }

  async create(body: unknown): Promise<Subscription> {
    const input = asObject(body);
    const resource = requiredString(input, 'resource');
    const match = RESOURCE.exec(resource);
    if (!match) throw invalid(`The resource '${resource}' is not supported for change notifications.`);
    const changeType = requiredString(input, 'changeType');
    for (const type of changeType.split(',')) {
      if (type !== 'updated' && type !== 'deleted') throw invalid(`Invalid 'changeType' attribute: '${type}'.`);
    }
    const notificationUrl = this.#url(requiredString(input, 'notificationUrl'), 'notificationUrl');
    const lifecycleRaw = input['lifecycleNotificationUrl'];
    const lifecycleNotificationUrl =
      lifecycleRaw === undefined || lifecycleRaw === null
        ? null
        : this.#url(String(lifecycleRaw), 'lifecycleNotificationUrl');
    if (lifecycleNotificationUrl && new URL(lifecycleNotificationUrl).hostname !== new URL(notificationUrl).hostname) {
      throw invalid('lifecycleNotificationUrl must have the same host name as notificationUrl.');
    }
    const expirationDateTime = this.#expiry(input['expirationDateTime']);
    const clientState = input['clientState'];
    if (
      clientState !== undefined &&
      clientState !== null &&
      (typeof clientState !== 'string' || clientState.length > 128)
    ) {
      throw invalid('clientState must be a string of at most 128 characters.');
    }
    if (input['includeResourceData'] === true) {
      throw invalid(`Rich notifications (includeResourceData) are not supported for resource '${resource}'.`);
    }
    if (this.list().length >= SUBSCRIPTION_QUOTA) {
      throw new GraphHttpError(
        403,
        'ExtensionError',
        `Subscription quota exceeded: at most ${SUBSCRIPTION_QUOTA} subscriptions for this application in this tenant.`,
      );
    }
    await this.#validate(notificationUrl);
    if (lifecycleNotificationUrl) await this.#validate(lifecycleNotificationUrl);
    const sub: Subscription & { paused: boolean } = {
      id: randomUUID(),
      resource,
      applicationId: this.#clientId,
      changeType,
      clientState: (clientState as string | undefined) ?? null,
      notificationUrl,
      lifecycleNotificationUrl,
      expirationDateTime,
      creatorId: randomUUID(),
      includeResourceData: false,
      latestSupportedTlsVersion: 'v1_2',
      notificationContentType: 'application/json',
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationQueryOptions: null,
      paused: false,
    };
    this.#subscriptions.set(sub.id, sub);
    return this.get(sub.id);
  }

  /** PATCH: renewal (only `expirationDateTime` and `notificationUrl` may change). */
  async update(id: string, body: unknown): Promise<Subscription> {
    this.get(id);
    const sub = this.#subscriptions.get(id)!;
    const input = asObject(body);
    for (const key of Object.keys(input)) {
      if (key !== 'expirationDateTime' && key !== 'notificationUrl')
        throw invalid(`Property '${key}' cannot be updated.`);
    }
    if (input['notificationUrl'] !== undefined) {
      const url = this.#url(String(input['notificationUrl']), 'notificationUrl');
      await this.#validate(url);
      sub.notificationUrl = url;
    }
    if (input['expirationDateTime'] !== undefined) sub.expirationDateTime = this.#expiry(input['expirationDateTime']);
    this.#resume(sub);
    return this.get(id);
  }

  reauthorize(id: string): void {
    this.get(id);
    this.#resume(this.#subscriptions.get(id)!);
  }

  /** Ends a pause: what was held (and is not too old) goes out now. */
  #resume(sub: Subscription & { paused: boolean }): void {
    sub.paused = false;
    const held = this.#held.get(sub.id);
    this.#held.delete(sub.id);
    if (!held || held.items.length === 0 || Date.now() - held.since > this.#retry.maxAgeMs) return;
    this.#enqueue(sub.notificationUrl, held.items);
  }

  delete(id: string): void {
    this.get(id);
    this.#subscriptions.delete(id);
    this.#held.delete(id);
  }

  /** Sends a lifecycle notification now (admin API); `subscriptionRemoved` also removes it, `reauthorizationRequired` pauses it. */
  lifecycle(id: string, event: LifecycleEvent): void {
    this.get(id);
    const sub = this.#subscriptions.get(id)!;
    if (!sub.lifecycleNotificationUrl) throw invalid('The subscription has no lifecycleNotificationUrl.');
    const item = {
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: sub.expirationDateTime,
      tenantId: this.#tenant.tenantId,
      clientState: sub.clientState,
      lifecycleEvent: event,
    };
    if (event === 'subscriptionRemoved') {
      this.#subscriptions.delete(id);
      this.#held.delete(id);
    }
    if (event === 'reauthorizationRequired' && !sub.paused) {
      sub.paused = true;
      this.#held.set(sub.id, { since: Date.now(), items: [] });
    }
    this.#send({ url: sub.lifecycleNotificationUrl, items: [item], firstAttempt: Date.now(), attempt: 0 }, 'lifecycle');
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    for (const timer of this.#timers) clearTimeout(timer);
  }

  #onChange(change: DirectoryChange): void {
    this.#expire();
    for (const sub of this.#subscriptions.values()) {
      if (!sub.changeType.split(',').includes(change.changeType)) continue;
      const match = RESOURCE.exec(sub.resource);
      if (!match) continue;
      const [, collection, id] = match;
      if (collection?.toLowerCase() !== `${change.kind}s` || (id !== undefined && id.toLowerCase() !== change.id))
        continue;
      const typeName = change.kind === 'user' ? 'User' : 'Group';
      const item = {
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: sub.expirationDateTime,
        changeType: change.changeType,
        clientState: sub.clientState,
        resource: `${typeName}s/${change.id}`,
        tenantId: this.#tenant.tenantId,
        resourceData: {
          '@odata.type': `#Microsoft.Graph.${typeName}`,
          '@odata.id': `${typeName}s/${change.id}`,
          id: change.id,
          organizationId: this.#tenant.tenantId,
          eventTime: new Date().toISOString(),
          sequenceNumber: change.seq,
        },
      };
      const held = sub.paused ? this.#held.get(sub.id) : undefined;
      if (held) {
        if (Date.now() - held.since <= this.#retry.maxAgeMs) held.items.push(item);
      } else {
        this.#enqueue(sub.notificationUrl, [item]);
      }
    }
  }

  #enqueue(url: string, items: Record<string, unknown>[]): void {
    const list = this.#queue.get(url) ?? [];
    list.push(...items);
    this.#queue.set(url, list);
    // Changes made together (a seed, a batch) go out in few POSTs, as Graph batches them.
    if (!this.#flushTimer) this.#flushTimer = setTimeout(() => this.#flush(), 50);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    for (const [url, items] of this.#queue) {
      for (let i = 0; i < items.length; i += 100) {
        this.#send({ url, items: items.slice(i, i + 100), firstAttempt: Date.now(), attempt: 0 }, 'notification');
      }
    }
    this.#queue.clear();
  }

  #send(pending: Pending, kind: 'notification' | 'lifecycle'): void {
    if (this.#closed) return;
    void this.#post(
      pending.url,
      JSON.stringify({ value: pending.items }),
      'application/json',
      this.#retry.deliveryTimeoutMs,
    )
      .then((response) => {
        this.#record(pending.url, kind, response.status, pending.items.length);
        if (response.status < 200 || response.status >= 300) this.#retryLater(pending, kind);
      })
      .catch(() => {
        this.#record(pending.url, kind, 'error', pending.items.length);
        this.#retryLater(pending, kind);
      });
  }

  #retryLater(pending: Pending, kind: 'notification' | 'lifecycle'): void {
    const delay = Math.min(this.#retry.maxDelayMs, this.#retry.initialDelayMs * 2 ** pending.attempt);
    if (this.#closed || Date.now() + delay - pending.firstAttempt > this.#retry.maxAgeMs) return;
    pending.attempt += 1;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#send(pending, kind);
    }, delay);
    this.#timers.add(timer);
  }

  async #validate(url: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()} ${randomBytes(6).toString('hex')}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    let response: { status: number; body: string };
    try {
      response = await this.#post(target.toString(), '', 'text/plain; charset=utf-8', this.#retry.validationTimeoutMs);
    } catch (error) {
      this.#record(url, 'validation', 'error', 0);
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw invalid(
        timedOut
          ? 'Subscription validation request timed out.'
          : `Subscription validation request failed. ${String(error instanceof Error ? (error.cause ?? error.message) : error)}`,
      );
    }
    this.#record(url, 'validation', response.status, 0);
    if (response.status !== 200)
      throw invalid(
        `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. Response: ${response.status}.`,
      );
    if (response.body !== token)
      throw invalid(
        'Subscription validation request failed. Response must exactly match validationToken query parameter.',
      );
  }

  async #post(
    url: string,
    body: string,
    contentType: string,
    timeoutMs: number,
  ): Promise<{ status: number; body: string }> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, body: await response.text() };
  }

  #record(url: string, kind: DeliveryRecord['kind'], status: number | 'error', count: number): void {
    this.deliveries.push({ url, kind, status, count, at: new Date().toISOString() });
    if (this.deliveries.length > 1000) this.deliveries.splice(0, this.deliveries.length - 1000);
  }

  #url(value: string, name: string): string {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalid(`Invalid ${name} '${value}'.`);
    }
    if (url.protocol !== 'https:' && !(this.#allowHttp && url.protocol === 'http:')) {
      throw invalid(`The ${name} must use the https scheme.`);
    }
    return url.toString();
  }

  #expiry(value: unknown): string {
    const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(time)) throw invalid('expirationDateTime is required and must be an ISO 8601 date and time.');
    const now = Date.now();
    if (time <= now) throw invalid('Subscription expiration must be in the future.');
    if (time > now + MAX_SUBSCRIPTION_MINUTES * 60_000) {
      throw invalid(`Subscription expiration can only be ${MAX_SUBSCRIPTION_MINUTES} minutes in the future.`);
    }
    return new Date(time).toISOString();
  }

  #expire(): void {
    const now = Date.now();
    for (const [id, sub] of this.#subscriptions)
      if (Date.parse(sub.expirationDateTime) <= now) this.#subscriptions.delete(id);
  }
}

function invalid(message: string): GraphHttpError {
  return new GraphHttpError(400, 'InvalidRequest', message);
}

function notFound(id: string): GraphHttpError {
  return new GraphHttpError(404, 'ResourceNotFound', `The object was not found. Subscription '${id}'.`);
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

function requiredString(input: Record<string, unknown>, key: string): string {
  const value = input[key];
  if (typeof value !== 'string' || value === '') throw invalid(`'${key}' is required.`);
  return value;
}
