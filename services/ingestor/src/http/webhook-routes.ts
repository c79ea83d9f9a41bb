import { clientStateMatches as sameSecret } from '@provision/graph';
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
  /** Accepted change notifications: the caller schedules a round. Called after the answer. */
  readonly onChanges: (count: number) => void;
  /** Accepted lifecycle notifications. Called after the answer. */
  readonly onLifecycle: (event: LifecycleEvent, subscriptionId: string) => void;
  readonly metrics: IngestorMetrics;
  readonly log: Log;
}

/**
 * `POST /webhooks/graph` and `POST /webhooks/graph/lifecycle`: the validation handshake (echo the
 * `validationToken` as text/plain within Graph's 10 s), then notifications. Each item's
 * `clientState` is checked in constant time; items that fail are ignored, logged and counted, and
 * Graph still gets 202 so a prober learns nothing (Microsoft's guidance). The answer goes out at
 * once; the work (a delta round) happens after.
 */
export function registerWebhookRoutes(app: FastifyInstance, options: WebhookOptions): void {
  const { clientState } = options;
  // Constant time, whatever the lengths (both sides hashed first).
  const clientStateMatches = (value: unknown): boolean => clientState !== undefined && sameSecret(clientState, value);

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
    const accepted = list.filter((item) => clientStateMatches(item['clientState']));
    const rejected = (request.body as { value: unknown[] }).value.length - accepted.length;
    options.metrics.notification('change', 'accepted', accepted.length);
    if (rejected > 0) {
      options.metrics.notification('change', 'rejected', rejected);
      options.log.warn({ rejected, ip: request.ip }, 'change notifications with a wrong clientState ignored');
    }
    await reply.code(202).send();
    if (accepted.length > 0) options.onChanges(accepted.length);
    return reply;
  });

  app.post('/webhooks/graph/lifecycle', routeOptions, async (request, reply) => {
    const list = items(request, reply);
    if (!list) return reply;
    const accepted = list.filter((item) => clientStateMatches(item['clientState']));
    const rejected = (request.body as { value: unknown[] }).value.length - accepted.length;
    options.metrics.notification('lifecycle', 'accepted', accepted.length);
    if (rejected > 0) {
      options.metrics.notification('lifecycle', 'rejected', rejected);
      options.log.warn({ rejected, ip: request.ip }, 'lifecycle notifications with a wrong clientState ignored');
    }
    await reply.code(202).send();
    for (const item of accepted) {
      const event = item['lifecycleEvent'];
      const subscriptionId = typeof item['subscriptionId'] === 'string' ? item['subscriptionId'] : '';
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
