import { clientStateMatches as sameSecret } from '@provision/graph';
import { inSpan, traceparentOf } from '@provision/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Log } from '../domain/log.ts';
import type { IngestorMetrics } from '../domain/ports.ts';

/** Graph batches at most 100 notifications of under 1 KiB each; anything bigger is not Graph. */
export const WEBHOOK_BODY_LIMIT = 128 * 1024;
const MAX_VALIDATION_TOKEN = 1024;

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface WebhookOptions {
  /** The secret every notification must echo; when unset, every notification is rejected. */
  readonly clientState: string | undefined;
  /** Our tenant: a notification about another one is ignored (when unset, every one is). */
  readonly tenantId: string | undefined;
  /** Whether a subscription id is one of ours; a notification of any other is ignored. */
  readonly ownsSubscription: (subscriptionId: string) => Promise<boolean>;
  /**
   * Accepted change notifications: the caller schedules a round. Called after the answer, with
   * the trace the notification started (undefined when tracing is off), which the round continues.
   */
  readonly onChanges: (count: number, traceparent: string | undefined) => void;
  /** Accepted lifecycle notifications. Called after the answer. */
  readonly onLifecycle: (event: LifecycleEvent, subscriptionId: string) => void;
  readonly metrics: IngestorMetrics;
  readonly log: Log;
}

/**
 * `POST /webhooks/graph` and `POST /webhooks/graph/lifecycle`: the validation handshake (echo the
 * `validationToken` as text/plain within Graph's 10 s), then notifications. Each item must carry
 * our `clientState` (compared in constant time), our `tenantId` and the id of one of our
 * subscriptions; items that fail are ignored, logged at warn and counted (`rejected`: wrong
 * clientState; `unknown`: another tenant or subscription), and Graph still gets 202 so a prober
 * learns nothing (Microsoft's guidance). The answer goes out at once; the work (a delta round, a
 * re-creation) happens after, once per distinct lifecycle event and subscription in a batch.
 */
export function registerWebhookRoutes(app: FastifyInstance, options: WebhookOptions): void {
  const { clientState } = options;
  // Constant time, whatever the lengths (both sides hashed first).
  const clientStateMatches = (value: unknown): boolean => clientState !== undefined && sameSecret(clientState, value);
  const ourTenant = options.tenantId?.toLowerCase();
  const tenantMatches = (value: unknown): boolean =>
    ourTenant !== undefined && typeof value === 'string' && value.toLowerCase() === ourTenant;

  // Splits a batch: a wrong clientState is rejected; another tenant or an unknown subscription is
  // unknown. Counted and logged here; only what is left is acted on.
  const screen = async (
    kind: 'change' | 'lifecycle',
    list: readonly Record<string, unknown>[],
    total: number,
    ip: string,
  ): Promise<Record<string, unknown>[]> => {
    const authentic = list.filter((item) => clientStateMatches(item['clientState']));
    const rejected = total - authentic.length;
    const accepted: Record<string, unknown>[] = [];
    const unknown: { subscriptionId: string; tenantId: string }[] = [];
    const owned = new Map<string, Promise<boolean>>();
    for (const item of authentic) {
      const subscriptionId = typeof item['subscriptionId'] === 'string' ? item['subscriptionId'] : '';
      let ours = tenantMatches(item['tenantId']) && subscriptionId !== '';
      if (ours) {
        if (!owned.has(subscriptionId)) {
          owned.set(
            subscriptionId,
            options.ownsSubscription(subscriptionId).catch((err: unknown) => {
              options.log.warn({ err, subscriptionId }, 'could not tell whether a subscription is ours; ignored');
              return false;
            }),
          );
        }
        ours = await owned.get(subscriptionId)!;
      }
      if (ours) accepted.push(item);
      else unknown.push({ subscriptionId, tenantId: String(item['tenantId'] ?? '') });
    }
    options.metrics.notification(kind, 'accepted', accepted.length);
    if (rejected > 0) {
      options.metrics.notification(kind, 'rejected', rejected);
      options.log.warn({ kind, rejected, ip }, 'notifications with a wrong clientState ignored');
    }
    if (unknown.length > 0) {
      options.metrics.notification(kind, 'unknown', unknown.length);
      options.log.warn(
        { kind, unknown: unknown.length, ip, examples: unknown.slice(0, 3) },
        'notifications for another tenant or a subscription not ours ignored',
      );
    }
    return accepted;
  };

  const answerValidation = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = (request.query as Record<string, unknown> | undefined)?.['validationToken'];
    if (token === undefined) return;
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_VALIDATION_TOKEN) {
      return reply.code(400).type('text/plain; charset=utf-8').send('invalid validationToken');
    }
    return reply.code(200).type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(token);
  };

  const items = (request: FastifyRequest, reply: FastifyReply): Record<string, unknown>[] | undefined => {
    const body = request.body;
    const value = isObject(body) ? body['value'] : undefined;
    if (!Array.isArray(value)) {
      void reply.code(400).send({ code: 'PRV_BAD_REQUEST', message: 'expected a JSON object with a "value" array' });
      return undefined;
    }
    return value.filter(isObject);
  };

  const routeOptions = { bodyLimit: WEBHOOK_BODY_LIMIT, onRequest: answerValidation };

  app.post('/webhooks/graph', routeOptions, async (request, reply) => {
    const list = items(request, reply);
    if (!list) return reply;
    const total = (request.body as { value: unknown[] }).value.length;
    await reply.code(202).send();
    // Where a change's trace begins (or goes on, if the caller sent a traceparent).
    const traceparent = request.headers.traceparent;
    await inSpan(
      'POST /webhooks/graph',
      {
        kind: 'server',
        parent: typeof traceparent === 'string' ? traceparent : undefined,
        newTrace: true,
        attributes: {
          'http.request.method': 'POST',
          'http.route': '/webhooks/graph',
          'provision.notifications': total,
        },
      },
      async (span) => {
        const accepted = await screen('change', list, total, request.ip);
        span.setAttribute('provision.notifications.accepted', accepted.length);
        if (accepted.length > 0) options.onChanges(accepted.length, traceparentOf(span));
      },
    );
    return reply;
  });

  app.post('/webhooks/graph/lifecycle', routeOptions, async (request, reply) => {
    const list = items(request, reply);
    if (!list) return reply;
    const total = (request.body as { value: unknown[] }).value.length;
    await reply.code(202).send();
    const accepted = await screen('lifecycle', list, total, request.ip);
    // 50 identical items are one event: one re-creation, one reauthorization, one round.
    const distinct = new Map<string, { event: unknown; subscriptionId: string }>();
    for (const item of accepted) {
      const subscriptionId = item['subscriptionId'] as string;
      distinct.set(`${String(item['lifecycleEvent'])}\u0000${subscriptionId}`, {
        event: item['lifecycleEvent'],
        subscriptionId,
      });
    }
    for (const { event, subscriptionId } of distinct.values()) {
      if (event === 'reauthorizationRequired' || event === 'subscriptionRemoved' || event === 'missed') {
        options.onLifecycle(event, subscriptionId);
      } else {
        options.log.warn({ lifecycleEvent: event, subscriptionId }, 'unknown lifecycle event ignored');
      }
    }
    return reply;
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
