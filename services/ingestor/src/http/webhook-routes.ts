import { errorBody } from '@provision/auth';
import {
  answerValidation,
  distinctLifecycleEvents,
  type LifecycleEvent,
  notificationItems,
  screenNotifications,
  WEBHOOK_BODY_LIMIT,
} from '@provision/graph';
import { inSpan, traceparentOf } from '@provision/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Log } from '../domain/log.ts';
import type { IngestorMetrics } from '../domain/ports.ts';

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
  /** Accepted lifecycle notifications, one call per distinct event and subscription. Called after the answer. */
  readonly onLifecycle: (event: LifecycleEvent, subscriptionId: string) => void;
  readonly metrics: IngestorMetrics;
  readonly log: Log;
}

/**
 * `POST /webhooks/graph` and `POST /webhooks/graph/lifecycle` over `@provision/graph`'s webhook:
 * the validation handshake, then notifications screened there (our clientState, tenant and
 * subscription). What is screened out is counted (`rejected`, `unknown`) and logged at warn, and
 * Graph still gets 202. The answer goes out at once; the work (a delta round, a re-creation)
 * happens after.
 */
export function registerWebhookRoutes(app: FastifyInstance, options: WebhookOptions): void {
  const screen = async (
    kind: 'change' | 'lifecycle',
    items: readonly Record<string, unknown>[],
    total: number,
    ip: string,
  ): Promise<readonly Record<string, unknown>[]> => {
    const { accepted, rejected, unknown } = await screenNotifications(items, total, {
      clientState: options.clientState,
      tenantId: options.tenantId,
      ownsSubscription: options.ownsSubscription,
      onOwnershipError: (err, subscriptionId) =>
        options.log.warn({ err, subscriptionId }, 'could not tell whether a subscription is ours; ignored'),
    });
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

  const onRequest = async (request: FastifyRequest, reply: FastifyReply) => {
    const answer = answerValidation(request.query as Record<string, unknown> | undefined);
    if (answer === undefined) return;
    // The echo is Graph's handshake (text/plain, the token as it came); a refusal is an API error like any other.
    if (answer.status !== 200) {
      return reply
        .code(answer.status)
        .header('x-content-type-options', 'nosniff')
        .send(errorBody('PRV_BAD_REQUEST', answer.body, { details: { parameter: 'validationToken' } }));
    }
    void reply.code(200).type(answer.contentType).header('x-content-type-options', 'nosniff');
    return reply.send(answer.body);
  };

  const batchOf = (request: FastifyRequest, reply: FastifyReply) => {
    const batch = notificationItems(request.body);
    if (!batch)
      void reply
        .code(400)
        .send(
          errorBody('PRV_BAD_REQUEST', 'expected a JSON object with a "value" array', { details: { field: 'value' } }),
        );
    return batch;
  };

  const routeOptions = { bodyLimit: WEBHOOK_BODY_LIMIT, onRequest };

  /**
   * The work after the 202 (Graph has its answer: nothing can be sent back). Should it throw, the
   * failure is logged here, not lost in Fastify's logger, and a delta round is asked for anyway: the
   * round reads what changed, so a batch whose genuine notifications could not be screened is still
   * caught up (rounds are coalesced; a forged batch buys no more than a notification would).
   */
  const afterAnswer = async (kind: 'change' | 'lifecycle', total: number, work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      options.log.error(
        { err, kind, notifications: total },
        'a notification batch failed after its 202; a delta round is asked for instead',
      );
      try {
        options.onChanges(total, undefined);
      } catch (again) {
        options.log.error({ err: again }, 'asking for a delta round failed too; the polling backstop will catch up');
      }
    }
  };

  app.post('/webhooks/graph', routeOptions, async (request, reply) => {
    const batch = batchOf(request, reply);
    if (!batch) return reply;
    await reply.code(202).send();
    // Where a change's trace begins (or goes on, if the caller sent a traceparent).
    const traceparent = request.headers.traceparent;
    await afterAnswer('change', batch.total, () =>
      inSpan(
        'POST /webhooks/graph',
        {
          kind: 'server',
          parent: typeof traceparent === 'string' ? traceparent : undefined,
          newTrace: true,
          attributes: {
            'http.request.method': 'POST',
            'http.route': '/webhooks/graph',
            'provision.notifications': batch.total,
          },
        },
        async (span) => {
          const accepted = await screen('change', batch.items, batch.total, request.ip);
          span.setAttribute('provision.notifications.accepted', accepted.length);
          if (accepted.length > 0) options.onChanges(accepted.length, traceparentOf(span));
        },
      ),
    );
    return reply;
  });

  app.post('/webhooks/graph/lifecycle', routeOptions, async (request, reply) => {
    const batch = batchOf(request, reply);
    if (!batch) return reply;
    await reply.code(202).send();
    await afterAnswer('lifecycle', batch.total, async () => {
      const accepted = await screen('lifecycle', batch.items, batch.total, request.ip);
      const { known, unknown } = distinctLifecycleEvents(accepted);
      for (const { event, subscriptionId } of known) options.onLifecycle(event, subscriptionId);
      for (const { event, subscriptionId } of unknown) {
        options.log.warn({ lifecycleEvent: event, subscriptionId }, 'unknown lifecycle event ignored');
      }
    });
    return reply;
  });
}
