import { randomUUID } from 'node:crypto';
import { limitRate, registerErrorHandling, secureHeaders, TokenRejected, type TokenVerifier } from '@provision/auth';
import { ProvisionError } from '@provision/errors';
import type { Initiator } from '@provision/events';
import { type LifecycleEvent, SubscriptionKeeper, type SubscriptionManager } from '@provision/graph';
import { systemClock } from '@provision/ports';
import { DEFAULT_POLICY, nextDelay } from '@provision/retry';
import { createMetrics, inSpan, type Registry, registerOpsRoutes, type Service } from '@provision/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';
import { AssignmentPoller, type AssignmentPollOutcome } from './domain/assignment-poll.ts';
import { LeaderElector, type LeaderLease, type TriggerRelay } from './domain/leadership.ts';
import type { Log } from './domain/log.ts';
import { type OnDemandOptions, type OnDemandResult, provisionOnDemand } from './domain/on-demand.ts';
import type {
  Clock,
  DirectoryEventSink,
  DirectorySource,
  IdSource,
  IngestorMetrics,
  JobControl,
  PauseState,
  SubscriptionStore,
  SyncState,
} from './domain/ports.ts';
import { RoundScheduler } from './domain/round-scheduler.ts';
import { type RoundDeps, type RoundResult, runSyncRound } from './domain/sync-round.ts';
import { registerApiRoutes } from './http/api-routes.ts';
import { registerControlRoutes } from './http/control-routes.ts';
import { registerWebhookRoutes } from './http/webhook-routes.ts';

export type { RoundResult } from './domain/sync-round.ts';

export interface WebhookSettings {
  /**
   * Public base URL of this service, as Graph reaches it (`…/webhooks/graph` is appended); read
   * at `start()`, so a test listening on port 0 can pass a function of the port it got.
   */
  readonly publicUrl: string | (() => string);
  /** Graph's subscription operations (`GraphSubscriptionManager`; `InMemorySubscriptions` in tests). */
  readonly subscriptions: Pick<SubscriptionManager, 'create' | 'renew' | 'reauthorize'>;
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
  /** Served at `/metrics` (a registry of its own when unset). */
  readonly registry?: Registry;
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
  /**
   * Leader election among replicas: only the replica holding the lease runs rounds, polls the
   * assignments and keeps the subscriptions; the others serve HTTP and forward the triggers they
   * receive through `relay`. Without it this replica leads from `start()` on (one replica).
   */
  readonly leadership?: LeadershipSettings;
  /**
   * The admins' switches, shared through Redis: while paused, no round runs and no assignments
   * poll reads Graph; restart and the writers' quarantine clear go through it too. Without it the
   * control routes answer 503.
   */
  readonly control?: JobControl;
}

/** What a restart did: the full sync starts now, or when provisioning resumes. */
export interface RestartResult {
  readonly restartedAt: string;
  readonly requestedBy: Initiator;
  readonly fullSync: 'requested' | 'after-resume';
  /** The writers' quarantine it lifted, if there was one. */
  readonly quarantineLifted: Record<string, unknown> | null;
}

export interface LeadershipSettings {
  readonly lease: LeaderLease;
  readonly relay: TriggerRelay;
  readonly ttlMs: number;
  /** Between two renewals (leader) or two attempts to take the lease (standby). */
  readonly intervalMs: number;
  /** How often the leader takes the triggers standbys forwarded (default 1 s). */
  readonly relayPollMs?: number;
}

export interface IngestorService extends Service {
  /** Ops, webhook and API routes; `runService` listens. */
  readonly http: FastifyInstance;
  /** Creates subscriptions (the HTTP server must already listen: Graph validates the URL), starts the first round and the timers. */
  start(): Promise<void>;
  /** Stops the timers and waits for the round in flight (which stops at its next page); a leader then gives up its lease. */
  stop(): Promise<void>;
  /** True once started, leader or standby: a standby serves the webhook (forwarding what it gets), so it takes traffic. */
  ready(): boolean;
  /** Whether this replica runs the rounds now (always true once started without leader election). */
  leader(): boolean;
  /** The fencing token of this replica's leadership; '' without leader election, undefined while standing by. */
  fencingToken(): string | undefined;
  /** Polls the assignments once now, as the timer does (undefined when the poll is disabled). */
  pollAssignments(): Promise<AssignmentPollOutcome> | undefined;
  /** Asks for a round (coalesced with any in flight). */
  requestRound(reason: string): void;
  /** Resolves when no round runs or waits. */
  idle(): Promise<void>;
  /** The last round that completed. */
  lastRound(): RoundResult | undefined;
  provisionOnDemand(userId: string, by?: Initiator, options?: OnDemandOptions): Promise<OnDemandResult>;
  /** The pause in force, or null while provisioning runs. */
  pauseState(): Promise<PauseState | null>;
  /** Stops provisioning (Entra's "Stop provisioning"): no round reads Graph, the writers hold their batches. */
  pause(by: Initiator, reason: string | null): Promise<PauseState>;
  /** Starts it again; the leader's next round catches up from the delta cursors kept. */
  resume(by: Initiator): Promise<PauseState | null>;
  /** Entra's "Restart provisioning": forgets the watermarks, lifts the quarantine, runs a full sync. */
  restart(by: Initiator): Promise<RestartResult>;
  /** Lifts the writers' quarantine: each replica probes Salesforce with its next batch. */
  clearQuarantine(by: Initiator): Promise<Record<string, unknown> | null>;
}

/** Builds the ingestor from its ports. Nothing happens until `start()`. */
export function buildService(deps: IngestorDeps): IngestorService {
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? { eventId: () => randomUUID() };
  let last: RoundResult | undefined;
  // Traces of the change notifications not yet answered by a round (tracing on).
  const notified: string[] = [];
  let started = false;
  let duties: Duties | undefined;
  let keeper: SubscriptionKeeper | undefined;

  const makeKeeper = (webhook: WebhookSettings): SubscriptionKeeper => {
    const base = withSlash(typeof webhook.publicUrl === 'function' ? webhook.publicUrl() : webhook.publicUrl);
    return new SubscriptionKeeper({
      subscriptions: webhook.subscriptions,
      store: webhook.store,
      now: () => clock.now(),
      log: deps.log,
      notificationUrl: new URL('webhooks/graph', base).toString(),
      lifecycleNotificationUrl: new URL('webhooks/graph/lifecycle', base).toString(),
      clientState: deps.clientState ?? '',
      ...(webhook.lifetimeMs === undefined ? {} : { lifetimeMs: webhook.lifetimeMs }),
      ...(webhook.renewBeforeMs === undefined ? {} : { renewBeforeMs: webhook.renewBeforeMs }),
    });
  };

  const keepSubscriptions = async () => {
    if (!keeper) return;
    try {
      if (!keeper.complete) await keeper.ensure();
      else await keeper.renewDue();
    } catch (error) {
      deps.log.error({ err: error }, 'could not create or renew subscriptions; retrying later');
    }
  };

  const handleLifecycle = (event: LifecycleEvent, subscriptionId: string, term: Duties) => {
    if (event === 'missed') return term.request('missed');
    if (!keeper) return;
    const work =
      event === 'reauthorizationRequired'
        ? keeper.reauthorize(subscriptionId)
        : keeper.recreate(subscriptionId).then(() => term.request('subscriptionRemoved'));
    work.catch((error: unknown) => deps.log.error({ err: error, lifecycleEvent: event }, 'lifecycle handling failed'));
  };

  // A trigger a standby receives goes to the leader through Redis: Graph calls whichever replica
  // the Service picks, and a notification dropped there would wait for the poll.
  const forward = (trigger: string) => {
    if (!deps.leadership || !started) return;
    deps.leadership.relay.forward(trigger).catch((error: unknown) => {
      deps.log.error({ err: error, trigger }, 'could not forward a trigger to the leader; the next poll covers it');
    });
  };

  /** What the leader does, for one term of leadership: rounds, the assignments poll, subscriptions, forwarded triggers. */
  const startDuties = (reason: string): Duties => {
    const stopping = new AbortController();
    const roundDeps: RoundDeps = { ...deps, clock, ids, signal: stopping.signal };
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
    let heldSince: string | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    const scheduler = new RoundScheduler(async (reasons) => {
      try {
        // Paused: no round reads Graph. The request is only noted: the delta cursors stay where
        // the last round left them, so the round that follows the resume catches up on everything.
        const pause = await deps.control?.paused();
        if (pause) {
          if (heldSince !== pause.since) {
            heldSince = pause.since;
            deps.log.info({ pause, reasons }, 'provisioning is paused: no sync round until it resumes');
          } else deps.log.debug({ reasons }, 'provisioning is paused: round request noted');
          return;
        }
        heldSince = undefined;
        deps.log.debug({ reasons }, 'sync round starting');
        // The notifications this round answers: it goes on in the first one's trace, linked to the
        // others' (a burst coalesces into one round); a round without one starts its own trace.
        const [first, ...others] = notified.splice(0);
        last = await inSpan(
          'sync round',
          {
            parent: first,
            links: others,
            newTrace: true,
            attributes: { 'provision.round.reasons': reasons.join(',') },
          },
          () => runSyncRound(roundDeps),
        );
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
            requestRound: (why) => scheduler.request(why),
            // Until a round has succeeded there is no snapshot to compare with, and while rounds
            // fail their backoff decides when the next one runs.
            skip: async () =>
              scheduler.busy || last === undefined || failures > 0 || (await deps.control?.paused()) != null,
          })
        : undefined;

    const term: Duties = {
      // Subscriptions first (Graph validates them by calling the webhook), then the first round.
      subscribed: keepSubscriptions().then(() => {
        if (!stopping.signal.aborted) scheduler.request(reason);
      }),
      request: (why) => scheduler.request(why),
      poller,
      idle: () => scheduler.idle(),
      async stop() {
        for (const timer of timers) clearInterval(timer);
        clearTimeout(retryTimer);
        stopping.abort();
        await poller?.stop();
        await scheduler.stop();
      },
    };

    timers.push(setInterval(() => scheduler.request('interval'), deps.syncIntervalMs));
    poller?.start();
    if (keeper) {
      const every = Math.min(60 * 60 * 1000, Math.max(1000, (deps.webhook?.renewBeforeMs ?? 86_400_000) / 4));
      timers.push(setInterval(() => void keepSubscriptions(), every));
    }
    if (deps.leadership) {
      const { relay } = deps.leadership;
      let draining = false;
      timers.push(
        setInterval(() => {
          if (draining) return;
          draining = true;
          relay
            .drain()
            .then((triggers) => {
              for (const trigger of triggers) runForwarded(trigger, term);
            })
            .catch((error: unknown) => deps.log.warn({ err: error }, 'could not read the forwarded triggers'))
            .finally(() => {
              draining = false;
            });
        }, deps.leadership.relayPollMs ?? 1000),
      );
    }
    for (const timer of timers) timer.unref();
    return term;
  };

  const runForwarded = (trigger: string, term: Duties) => {
    const [kind, event, subscriptionId] = trigger.split(':');
    if (kind === 'lifecycle' && (event === 'reauthorizationRequired' || event === 'subscriptionRemoved'))
      return handleLifecycle(event, subscriptionId ?? '', term);
    term.request(kind === 'round' && event ? `forwarded ${event}` : 'forwarded');
  };

  const elector = deps.leadership
    ? new LeaderElector({
        lease: deps.leadership.lease,
        ttlMs: deps.leadership.ttlMs,
        intervalMs: deps.leadership.intervalMs,
        log: deps.log,
        onElected: () => {
          deps.metrics.leadership(true);
          duties = startDuties('elected');
        },
        onDeposed: async () => {
          deps.metrics.leadership(false);
          const term = duties;
          duties = undefined;
          await term?.stop();
        },
      })
    : undefined;

  const http = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  secureHeaders(http);
  registerErrorHandling(http, { service: 'ingestor', log: deps.log });
  registerOpsRoutes(http, { ready: () => started, metrics: deps.registry ?? createMetrics('ingestor') });
  // The webhook keeps clientState (Graph sends no token) and a generous rate limit: Graph sends bursts.
  void http.register(async (webhook) => {
    await limitRate(webhook, { max: deps.webhookPerMinute ?? 6000, windowMs: 60_000 });
    registerWebhookRoutes(webhook, {
      clientState: deps.clientState,
      tenantId: deps.tenantId,
      ownsSubscription: async (id) => (keeper ? keeper.isOurs(id) : false),
      metrics: deps.metrics,
      log: deps.log,
      onChanges: (_count, traceparent) => {
        // Only the leader runs rounds; a burst links at most so many notifications.
        if (duties && traceparent && notified.length < 100) notified.push(traceparent);
        if (duties) duties.request('notification');
        else forward('round:notification');
      },
      onLifecycle: (event, subscriptionId) => {
        deps.log.info(
          { lifecycleEvent: event, subscriptionId, leader: duties !== undefined },
          'lifecycle notification',
        );
        if (duties) handleLifecycle(event, subscriptionId, duties);
        else forward(event === 'missed' ? 'round:missed' : `lifecycle:${event}:${subscriptionId}`);
      },
    });
  });
  // On-demand reads one user from Graph and publishes it, on whichever replica is asked: it is
  // not a delta round and writes nothing to the sync state.
  const shutdown = new AbortController();
  const onDemand = async (userId: string, by?: Initiator, options?: OnDemandOptions) => {
    const pause = await deps.control?.paused();
    if (pause) {
      throw new ProvisionError(
        'PRV_PROVISIONING_PAUSED',
        `Provisioning is paused (by ${pause.by.name}, since ${pause.since}): resume it to provision on demand.`,
      );
    }
    return provisionOnDemand({ ...deps, clock, ids, signal: shutdown.signal }, userId, by, options);
  };
  const requestRound = (reason: string) => {
    if (duties) duties.request(reason);
    else forward(`round:${reason}`);
  };
  const control = (): JobControl => {
    if (deps.control) return deps.control;
    throw new ProvisionError('PRV_CONFIG_INVALID', 'This ingestor has no job control (Redis): nothing to pause.', {
      retriable: true,
    });
  };
  const jobControls = {
    pauseState: async () => (deps.control ? deps.control.paused() : null),
    async pause(by: Initiator, reason: string | null) {
      const pause = await control().pause({ since: new Date(clock.now()).toISOString(), by, reason });
      deps.log.warn({ pause, by }, `provisioning paused by ${by.name}`);
      return pause;
    },
    async resume(by: Initiator) {
      const ended = await control().resume();
      deps.log.warn({ ended, by }, `provisioning resumed by ${by.name}; catching up from the delta cursors`);
      requestRound('resumed');
      return ended;
    },
    async clearQuarantine(by: Initiator) {
      const lifted = await control().clearQuarantine(new Date(clock.now()).toISOString(), by);
      deps.log.warn({ lifted, by }, `writer quarantine cleared by ${by.name}`);
      return lifted;
    },
    async restart(by: Initiator): Promise<RestartResult> {
      const restartedAt = new Date(clock.now()).toISOString();
      await deps.state.discardWatermarks();
      const quarantineLifted = await control().clearQuarantine(restartedAt, by);
      const paused = (await control().paused()) !== null;
      deps.log.warn(
        { by, quarantineLifted, paused },
        `provisioning restarted by ${by.name}: delta cursors and assignment snapshot discarded, full sync ${paused ? 'after the resume' : 'now'}`,
      );
      requestRound('restart');
      return { restartedAt, requestedBy: by, fullSync: paused ? 'after-resume' : 'requested', quarantineLifted };
    },
  };
  registerApiRoutes(http, {
    provisionOnDemand: onDemand,
    verifier: deps.auth?.verifier ?? signInNotConfigured,
    log: deps.log,
    ...(deps.onDemandPerMinute === undefined ? {} : { onDemandPerMinute: deps.onDemandPerMinute }),
  });
  registerControlRoutes(http, {
    controls: jobControls,
    verifier: deps.auth?.verifier ?? signInNotConfigured,
    log: deps.log,
  });

  return {
    http,
    async start() {
      if (deps.webhook) keeper ??= makeKeeper(deps.webhook);
      started = true;
      if (elector) {
        deps.metrics.leadership(false);
        elector.start();
      } else {
        // One replica: it leads at once, and its subscriptions exist when start() returns.
        duties = startDuties('start');
        await duties.subscribed;
      }
    },
    async stop() {
      started = false;
      shutdown.abort();
      if (elector) await elector.stop();
      else {
        const term = duties;
        duties = undefined;
        await term?.stop();
      }
    },
    ready: () => started,
    leader: () => duties !== undefined,
    fencingToken: () => (elector ? elector.token : duties ? '' : undefined),
    pollAssignments: () => duties?.poller?.poll(),
    requestRound,
    idle: async () => {
      // A term that ends while waiting has stopped its rounds too.
      while (duties) {
        const term = duties;
        await term.idle();
        if (duties === term) return;
      }
    },
    lastRound: () => last,
    provisionOnDemand: onDemand,
    ...jobControls,
  };
}

interface Duties {
  /** Resolves once the term's subscriptions are created or renewed and its first round requested. */
  readonly subscribed: Promise<void>;
  request(reason: string): void;
  readonly poller: AssignmentPoller | undefined;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const signInNotConfigured: TokenVerifier = {
  verify: async () => {
    throw new TokenRejected('Sign-in is not configured on this service.');
  },
};

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
