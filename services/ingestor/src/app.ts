import { randomUUID } from 'node:crypto';
import { limitRate, secureHeaders, TokenRejected, type TokenVerifier } from '@provision/auth';
import type { Initiator } from '@provision/events';
import { DEFAULT_POLICY, nextDelay } from '@provision/retry';
import Fastify, { type FastifyInstance } from 'fastify';
import { AssignmentPoller, type AssignmentPollOutcome } from './domain/assignment-poll.ts';
import type { Log } from './domain/log.ts';
import { type OnDemandResult, provisionOnDemand } from './domain/on-demand.ts';
import type {
  Clock,
  DirectoryEventSink,
  DirectorySource,
  IdSource,
  IngestorMetrics,
  SubscriptionGateway,
  SubscriptionStore,
  SyncState,
} from './domain/ports.ts';
import { RoundScheduler } from './domain/round-scheduler.ts';
import { SubscriptionKeeper } from './domain/subscription-keeper.ts';
import { type RoundDeps, type RoundResult, runSyncRound } from './domain/sync-round.ts';
import { registerApiRoutes } from './http/api-routes.ts';
import { installErrorHandler } from './http/error-handler.ts';
import { registerWebhookRoutes } from './http/webhook-routes.ts';

export type { RoundResult } from './domain/sync-round.ts';

export interface WebhookSettings {
  /**
   * Public base URL of this service, as Graph reaches it (`…/webhooks/graph` is appended); read
   * at `start()`, so a test listening on port 0 can pass a function of the port it got.
   */
  readonly publicUrl: string | (() => string);
  readonly gateway: SubscriptionGateway;
  readonly store: SubscriptionStore;
  /** Subscription lifetime and renewal margin (defaults: 2 days, renew with 1 day left). */
  readonly lifetimeMs?: number;
  readonly renewBeforeMs?: number;
}

export interface IngestorDeps {
  readonly source: DirectorySource;
  readonly state: SyncState;
  readonly sink: DirectoryEventSink;
  readonly metrics: IngestorMetrics;
  readonly log: Log;
  /** Polling backstop between rounds. */
  readonly syncIntervalMs: number;
  /**
   * Pause between two polls of the assignments alone (Graph does not notify their changes); a
   * round is requested only when they differ from the snapshot. 0 or unset: no such poll.
   */
  readonly assignmentPollIntervalMs?: number;
  /** The secret notifications must carry; without it every notification is rejected. */
  readonly clientState?: string;
  /** Our Entra tenant: notifications must name it (and one of our subscriptions), or are ignored. */
  readonly tenantId?: string;
  /** Subscriptions are created only with these (when `WEBHOOK_PUBLIC_URL` is set). */
  readonly webhook?: WebhookSettings;
  /** Checks the API's bearer tokens; without it every API call is refused (never open by default). */
  readonly auth?: { readonly verifier: TokenVerifier };
  /** On-demand requests per minute per client (default 30) and webhook requests (default 6,000). */
  readonly onDemandPerMinute?: number;
  readonly webhookPerMinute?: number;
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /** Backoff before retrying a failed round (default 1 s doubling to 60 s, never past the poll interval). */
  readonly roundRetry?: { readonly initialDelayMs: number; readonly maxDelayMs: number };
}

export interface IngestorService {
  /** Webhook and API routes; the composition root adds the ops routes and listens. */
  readonly http: FastifyInstance;
  /** Creates subscriptions (the HTTP server must already listen: Graph validates the URL), starts the first round and the timers. */
  start(): Promise<void>;
  /** Stops the timers and waits for the round in flight (which stops at its next page). */
  stop(): Promise<void>;
  ready(): boolean;
  /** Polls the assignments once now, as the timer does (undefined when the poll is disabled). */
  pollAssignments(): Promise<AssignmentPollOutcome> | undefined;
  /** Asks for a round (coalesced with any in flight). */
  requestRound(reason: string): void;
  /** Resolves when no round runs or waits. */
  idle(): Promise<void>;
  /** The last round that completed. */
  lastRound(): RoundResult | undefined;
  provisionOnDemand(userId: string, by?: Initiator): Promise<OnDemandResult>;
}

/** Builds the ingestor from its ports. Nothing happens until `start()`. */
export function buildService(deps: IngestorDeps): IngestorService {
  const clock = deps.clock ?? { now: () => new Date() };
  const ids = deps.ids ?? { eventId: () => randomUUID() };
  const stopping = new AbortController();
  const roundDeps: RoundDeps = { ...deps, clock, ids, signal: stopping.signal };
  let last: RoundResult | undefined;
  let started = false;
  const timers: NodeJS.Timeout[] = [];

  // A failed round (Graph or Kafka unavailable) is retried with backoff rather than at the next
  // poll, which may be minutes away; every failure in a row doubles the wait.
  const retryPolicy = {
    ...DEFAULT_POLICY,
    maxAttempts: Number.MAX_SAFE_INTEGER,
    initialDelayMs: deps.roundRetry?.initialDelayMs ?? 1000,
    maxDelayMs: Math.min(deps.roundRetry?.maxDelayMs ?? 60_000, deps.syncIntervalMs),
  };
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  const scheduler = new RoundScheduler(async (reasons) => {
    deps.log.debug({ reasons }, 'sync round starting');
    try {
      last = await runSyncRound(roundDeps);
      failures = 0;
    } catch (error) {
      failures++;
      const decision = nextDelay({ attempt: failures, policy: retryPolicy });
      if (decision.retry && !stopping.signal.aborted) {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => scheduler.request('retry'), decision.delayMs);
        retryTimer.unref();
        deps.log.warn({ failures, retryInMs: decision.delayMs }, 'sync round failed; retrying');
      }
      throw error;
    }
  }, deps.log);

  const pollIntervalMs = deps.assignmentPollIntervalMs ?? 0;
  const poller =
    pollIntervalMs > 0
      ? new AssignmentPoller({
          source: deps.source,
          state: deps.state,
          metrics: deps.metrics,
          log: deps.log,
          intervalMs: pollIntervalMs,
          requestRound: (reason) => scheduler.request(reason),
          // Until a round has succeeded there is no snapshot to compare with, and while rounds
          // fail their backoff decides when the next one runs.
          skip: () => scheduler.busy || last === undefined || failures > 0,
        })
      : undefined;

  let keeper: SubscriptionKeeper | undefined;
  const makeKeeper = (webhook: WebhookSettings): SubscriptionKeeper => {
    const base = withSlash(typeof webhook.publicUrl === 'function' ? webhook.publicUrl() : webhook.publicUrl);
    return new SubscriptionKeeper({
      gateway: webhook.gateway,
      store: webhook.store,
      clock,
      log: deps.log,
      notificationUrl: new URL('webhooks/graph', base).toString(),
      lifecycleNotificationUrl: new URL('webhooks/graph/lifecycle', base).toString(),
      clientState: deps.clientState ?? '',
      ...(webhook.lifetimeMs === undefined ? {} : { lifetimeMs: webhook.lifetimeMs }),
      ...(webhook.renewBeforeMs === undefined ? {} : { renewBeforeMs: webhook.renewBeforeMs }),
    });
  };

  const http = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  secureHeaders(http);
  installErrorHandler(http, deps.log);
  // The webhook keeps clientState (Graph sends no token) and a generous rate limit: Graph sends bursts.
  void http.register(async (webhook) => {
    await limitRate(webhook, { max: deps.webhookPerMinute ?? 6000, windowMs: 60_000 });
    registerWebhookRoutes(webhook, {
      clientState: deps.clientState,
      tenantId: deps.tenantId,
      ownsSubscription: async (id) => (keeper ? keeper.isOurs(id) : false),
      metrics: deps.metrics,
      log: deps.log,
      onChanges: () => scheduler.request('notification'),
      onLifecycle: (event, subscriptionId) => {
        deps.log.info({ lifecycleEvent: event, subscriptionId }, 'lifecycle notification');
        if (event === 'missed') return scheduler.request('missed');
        if (!keeper) return;
        const work =
          event === 'reauthorizationRequired'
            ? keeper.reauthorize(subscriptionId)
            : keeper.recreate(subscriptionId).then(() => scheduler.request('subscriptionRemoved'));
        work.catch((error: unknown) =>
          deps.log.error({ err: error, lifecycleEvent: event }, 'lifecycle handling failed'),
        );
      },
    });
  });
  const onDemand = (userId: string, by?: Initiator) => provisionOnDemand(roundDeps, userId, by);
  registerApiRoutes(http, {
    provisionOnDemand: onDemand,
    verifier: deps.auth?.verifier ?? signInNotConfigured,
    log: deps.log,
    ...(deps.onDemandPerMinute === undefined ? {} : { onDemandPerMinute: deps.onDemandPerMinute }),
  });

  const keepSubscriptions = async () => {
    if (!keeper) return;
    try {
      if (keeper.subscriptions.size < 2) await keeper.ensure();
      else await keeper.renewDue();
    } catch (error) {
      deps.log.error({ err: error }, 'could not create or renew subscriptions; retrying later');
    }
  };

  return {
    http,
    async start() {
      if (deps.webhook) keeper ??= makeKeeper(deps.webhook);
      await keepSubscriptions();
      scheduler.request('start');
      timers.push(setInterval(() => scheduler.request('interval'), deps.syncIntervalMs));
      poller?.start();
      if (keeper) {
        const every = Math.min(60 * 60 * 1000, Math.max(1000, (deps.webhook?.renewBeforeMs ?? 86_400_000) / 4));
        timers.push(setInterval(() => void keepSubscriptions(), every));
      }
      for (const timer of timers) timer.unref();
      started = true;
    },
    async stop() {
      started = false;
      for (const timer of timers) clearInterval(timer);
      clearTimeout(retryTimer);
      stopping.abort();
      await poller?.stop();
      await scheduler.stop();
    },
    ready: () => started,
    pollAssignments: () => poller?.poll(),
    requestRound: (reason) => scheduler.request(reason),
    idle: () => scheduler.idle(),
    lastRound: () => last,
    provisionOnDemand: onDemand,
  };
}

const signInNotConfigured: TokenVerifier = {
  verify: async () => {
    throw new TokenRejected('Sign-in is not configured on this service.');
  },
};

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
