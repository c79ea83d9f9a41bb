import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Pure helpers for the webhook that receives Graph change notifications (the ingestor's HTTP route
 * calls them; they do no I/O).
 */

/** Graph's validation request carries `validationToken`; answer 200 text/plain with the decoded token within 10 s. */
export interface ValidationAnswer {
  readonly status: 200;
  readonly contentType: 'text/plain; charset=utf-8';
  readonly body: string;
}

/**
 * The answer to a subscription validation request, or undefined when the request is not one.
 * `query` is the parsed (already URL-decoded) query string; Graph rejects an answer still encoded.
 */
export function answerValidation(
  query: URLSearchParams | Readonly<Record<string, unknown>>,
): ValidationAnswer | undefined {
  const token = query instanceof URLSearchParams ? query.get('validationToken') : query['validationToken'];
  if (typeof token !== 'string' || token === '') return undefined;
  return { status: 200, contentType: 'text/plain; charset=utf-8', body: token };
}

/** Compares a notification's `clientState` with ours in constant time (also for different lengths). */
export function clientStateMatches(expected: string, received: unknown): boolean {
  if (typeof received !== 'string') return false;
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(received, 'utf8').digest();
  return timingSafeEqual(a, b);
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

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface LifecycleNotice {
  readonly subscriptionId: string;
  /** Unknown future events are kept as strings, to be logged and ignored. */
  readonly lifecycleEvent: LifecycleEvent | (string & {});
  readonly subscriptionExpirationDateTime: string | null;
}

export interface ParsedNotifications {
  readonly changes: readonly ChangeNotice[];
  readonly lifecycle: readonly LifecycleNotice[];
  /** Items whose clientState did not match (or were malformed): ignore them, still answer 202. */
  readonly rejected: number;
}

/**
 * Splits a `changeNotificationCollection` into change and lifecycle notices, keeping only the items
 * whose `clientState` matches. Never throws: a body that is not a collection yields nothing.
 */
export function parseNotifications(body: unknown, expectedClientState: string): ParsedNotifications {
  const changes: ChangeNotice[] = [];
  const lifecycle: LifecycleNotice[] = [];
  let rejected = 0;
  const items = (body as { value?: unknown } | null)?.value;
  if (!Array.isArray(items)) return { changes, lifecycle, rejected };
  for (const raw of items) {
    const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const subscriptionId = item['subscriptionId'];
    if (typeof subscriptionId !== 'string' || !clientStateMatches(expectedClientState, item['clientState'])) {
      rejected++;
      continue;
    }
    if (typeof item['lifecycleEvent'] === 'string') {
      const expiry = item['subscriptionExpirationDateTime'];
      lifecycle.push({
        subscriptionId,
        lifecycleEvent: item['lifecycleEvent'],
        subscriptionExpirationDateTime: typeof expiry === 'string' ? expiry : null,
      });
      continue;
    }
    const changeType = item['changeType'];
    const resource = typeof item['resource'] === 'string' ? item['resource'] : '';
    if (changeType !== 'created' && changeType !== 'updated' && changeType !== 'deleted') {
      rejected++;
      continue;
    }
    const data = (item['resourceData'] ?? {}) as Record<string, unknown>;
    const type = String(data['@odata.type'] ?? resource.split('/')[0] ?? '').toLowerCase();
    const id = typeof data['id'] === 'string' ? data['id'] : (resource.split('/')[1] ?? null);
    changes.push({
      subscriptionId,
      changeType,
      resourceKind:
        type.endsWith('user') || type.endsWith('users')
          ? 'user'
          : type.endsWith('group') || type.endsWith('groups')
            ? 'group'
            : 'other',
      id,
      resource,
      tenantId: typeof item['tenantId'] === 'string' ? item['tenantId'] : null,
      sequenceNumber: typeof data['sequenceNumber'] === 'number' ? data['sequenceNumber'] : null,
    });
  }
  return { changes, lifecycle, rejected };
}

/** Whether a subscription expiring at `expirationDateTime` should be renewed now. */
export function renewalDue(expirationDateTime: string, now: number, marginMs: number): boolean {
  const expiry = Date.parse(expirationDateTime);
  return Number.isNaN(expiry) || expiry - now <= marginMs;
}
