import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The webhook that receives Graph change and lifecycle notifications, without the HTTP framework:
 * the validation handshake, the checks every notification must pass (our `clientState`, our
 * tenant, one of our subscriptions), and the de-duplication of lifecycle events in a batch. The
 * ingestor's routes call these and add only the HTTP, the metrics and the logs.
 */

/** Graph batches at most 100 notifications of under 1 KiB each; anything bigger is not Graph. */
export const WEBHOOK_BODY_LIMIT = 128 * 1024;
/** Graph's validation tokens are short; a longer one is not Graph's. */
export const MAX_VALIDATION_TOKEN = 1024;

/** The answer to a validation request: 200 text/plain with the decoded token (within Graph's 10 s), or 400. */
export interface ValidationAnswer {
  readonly status: 200 | 400;
  readonly contentType: 'text/plain; charset=utf-8';
  readonly body: string;
}

/**
 * The answer to a subscription validation request, or undefined when the request is not one (it
 * has no `validationToken`). `query` is the parsed, already URL-decoded query string: Graph rejects
 * an answer still encoded. An empty, non-text or overlong token is answered 400.
 */
export function answerValidation(
  query: URLSearchParams | Readonly<Record<string, unknown>> | undefined,
): ValidationAnswer | undefined {
  const token =
    query instanceof URLSearchParams ? (query.get('validationToken') ?? undefined) : query?.['validationToken'];
  if (token === undefined) return undefined;
  const contentType = 'text/plain; charset=utf-8';
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_VALIDATION_TOKEN) {
    return { status: 400, contentType, body: 'invalid validationToken' };
  }
  return { status: 200, contentType, body: token };
}

/** Compares a notification's `clientState` with ours in constant time (also for different lengths). */
export function clientStateMatches(expected: string, received: unknown): boolean {
  if (typeof received !== 'string') return false;
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(received, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The items of a `changeNotificationCollection`, or undefined when the body is not one (answer 400). */
export function notificationItems(
  body: unknown,
): { readonly items: readonly Record<string, unknown>[]; readonly total: number } | undefined {
  const value = isObject(body) ? body['value'] : undefined;
  if (!Array.isArray(value)) return undefined;
  return { items: value.filter(isObject), total: value.length };
}

export interface ScreenOptions {
  /** The secret every notification must echo; when unset, every notification is rejected. */
  readonly clientState: string | undefined;
  /** Our tenant: a notification about another one is unknown (when unset, every one is). */
  readonly tenantId: string | undefined;
  /** Whether a subscription id is one of ours; asked once per distinct id of a batch. */
  readonly ownsSubscription: (subscriptionId: string) => Promise<boolean>;
  /** Told when `ownsSubscription` failed; the subscription is then taken as not ours. */
  readonly onOwnershipError?: (error: unknown, subscriptionId: string) => void;
}

export interface ScreenedNotifications {
  /** The items that passed every check, in order. */
  readonly accepted: readonly Record<string, unknown>[];
  /** Items with a wrong or missing `clientState`, or not even objects. */
  readonly rejected: number;
  /** Authentic items for another tenant or a subscription not ours. */
  readonly unknown: readonly { readonly subscriptionId: string; readonly tenantId: string }[];
}

/**
 * Screens a batch: an item whose `clientState` is not ours (compared in constant time) is rejected;
 * an item for another tenant or a subscription not ours is unknown. Microsoft's guidance is to
 * ignore both and still answer 202, so that a prober learns nothing. `total` counts the batch's
 * items including those that were not objects (they count as rejected).
 */
export async function screenNotifications(
  items: readonly Record<string, unknown>[],
  total: number,
  options: ScreenOptions,
): Promise<ScreenedNotifications> {
  const { clientState } = options;
  const ourTenant = options.tenantId?.toLowerCase();
  const authentic = items.filter(
    (item) => clientState !== undefined && clientStateMatches(clientState, item['clientState']),
  );
  const accepted: Record<string, unknown>[] = [];
  const unknown: { subscriptionId: string; tenantId: string }[] = [];
  const owned = new Map<string, Promise<boolean>>();
  for (const item of authentic) {
    const subscriptionId = typeof item['subscriptionId'] === 'string' ? item['subscriptionId'] : '';
    const tenantId = item['tenantId'];
    let ours =
      ourTenant !== undefined &&
      typeof tenantId === 'string' &&
      tenantId.toLowerCase() === ourTenant &&
      subscriptionId !== '';
    if (ours) {
      let owns = owned.get(subscriptionId);
      if (owns === undefined) {
        owns = options.ownsSubscription(subscriptionId).catch((error: unknown) => {
          options.onOwnershipError?.(error, subscriptionId);
          return false;
        });
        owned.set(subscriptionId, owns);
      }
      ours = await owns;
    }
    if (ours) accepted.push(item);
    else unknown.push({ subscriptionId, tenantId: describe(tenantId) });
  }
  return { accepted, rejected: total - authentic.length, unknown };
}

/**
 * A forged tenant id as text for the log: `String()` throws on a JSON object whose `toString` is not
 * a function (`{"toString": 0}`, alone or in an array), which after the 202 lost the whole batch.
 */
function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return (JSON.stringify(value) ?? '').slice(0, 200);
}

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

/** One lifecycle event for one subscription. */
export interface LifecycleNotice {
  readonly subscriptionId: string;
  /** Unknown future events are kept as strings, to be logged and ignored. */
  readonly lifecycleEvent: LifecycleEvent | (string & {});
  readonly subscriptionExpirationDateTime: string | null;
}

export function isLifecycleEvent(value: unknown): value is LifecycleEvent {
  return value === 'reauthorizationRequired' || value === 'subscriptionRemoved' || value === 'missed';
}

/**
 * The distinct lifecycle events of screened items: 50 identical items are one event, so one
 * re-creation, one reauthorization, one round. Events this code does not know are returned apart.
 */
export function distinctLifecycleEvents(accepted: readonly Record<string, unknown>[]): {
  readonly known: readonly { readonly event: LifecycleEvent; readonly subscriptionId: string }[];
  readonly unknown: readonly { readonly event: unknown; readonly subscriptionId: string }[];
} {
  const distinct = new Map<string, { event: unknown; subscriptionId: string }>();
  for (const item of accepted) {
    const subscriptionId = String(item['subscriptionId']);
    distinct.set(`${String(item['lifecycleEvent'])}\u0000${subscriptionId}`, {
      event: item['lifecycleEvent'],
      subscriptionId,
    });
  }
  const known: { event: LifecycleEvent; subscriptionId: string }[] = [];
  const unknown: { event: unknown; subscriptionId: string }[] = [];
  for (const entry of distinct.values()) {
    const { event, subscriptionId } = entry;
    if (isLifecycleEvent(event)) known.push({ event, subscriptionId });
    else unknown.push(entry);
  }
  return { known, unknown };
}

/** A change to a user or group: the trigger for a delta round (resource data holds only ids). */
export interface ChangeNotice {
  readonly subscriptionId: string;
  readonly changeType: 'created' | 'updated' | 'deleted';
  readonly resourceKind: 'user' | 'group' | 'other';
  readonly id: string | null;
  readonly resource: string;
  readonly tenantId: string | null;
  readonly sequenceNumber: number | null;
}

/** A screened item read as a change notice, or undefined when it is a lifecycle item or has no known change type. */
export function toChangeNotice(item: Readonly<Record<string, unknown>>): ChangeNotice | undefined {
  const changeType = item['changeType'];
  if (typeof item['lifecycleEvent'] === 'string') return undefined;
  if (changeType !== 'created' && changeType !== 'updated' && changeType !== 'deleted') return undefined;
  const resource = typeof item['resource'] === 'string' ? item['resource'] : '';
  const data = (isObject(item['resourceData']) ? item['resourceData'] : {}) as Record<string, unknown>;
  const type = String(data['@odata.type'] ?? resource.split('/')[0] ?? '').toLowerCase();
  return {
    subscriptionId: String(item['subscriptionId']),
    changeType,
    resourceKind:
      type.endsWith('user') || type.endsWith('users')
        ? 'user'
        : type.endsWith('group') || type.endsWith('groups')
          ? 'group'
          : 'other',
    id: typeof data['id'] === 'string' ? data['id'] : (resource.split('/')[1] ?? null),
    resource,
    tenantId: typeof item['tenantId'] === 'string' ? item['tenantId'] : null,
    sequenceNumber: typeof data['sequenceNumber'] === 'number' ? data['sequenceNumber'] : null,
  };
}

/** A screened item read as a lifecycle notice, or undefined when it is not one. */
export function toLifecycleNotice(item: Readonly<Record<string, unknown>>): LifecycleNotice | undefined {
  const event = item['lifecycleEvent'];
  if (typeof event !== 'string') return undefined;
  const expiry = item['subscriptionExpirationDateTime'];
  return {
    subscriptionId: String(item['subscriptionId']),
    lifecycleEvent: event,
    subscriptionExpirationDateTime: typeof expiry === 'string' ? expiry : null,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
