import {
  protect,
  ROLES,
  registerErrorHandling,
  secureHeaders,
  TokenRejected,
  type TokenVerifier,
  underPath,
} from '@provision/auth';
import type { Logger } from '@provision/ports';
import { systemClock } from '@provision/ports';
import { counter, type Registry, registerOpsRoutes } from '@provision/telemetry';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { type AlertSettings, sendFailureDigest } from './domain/failure-notifier.ts';
import type { LifecycleStream } from './domain/lifecycle.ts';
import type {
  AuditEventSource,
  AuditHandlers,
  AuditItem,
  AuditLogStore,
  Clock,
  DeadLetterInput,
  JobControlReader,
  Mailer,
  QuarantineReader,
} from './domain/ports.ts';
import { registerApiRoutes } from './http/api-routes.ts';
import { type ConsoleUpstreams, registerConsoleApi } from './http/console-api.ts';
import { type DashboardSignIn, registerDashboard } from './http/dashboard.ts';

export type {
  AuditEventSource,
  AuditHandlers,
  AuditItem,
  AuditLogStore,
  Clock,
  Mailer,
  QuarantineReader,
} from './domain/ports.ts';

/** Everything the audit service is built from. */
export interface AuditDeps {
  store: AuditLogStore;
  events: AuditEventSource;
  logger: Logger;
  metrics: Registry;
  /** Failure digests: both a mailer and recipients, or no email at all. */
  alerts?: { mailer: Mailer; settings: AlertSettings; intervalMs: number } | null;
  quarantine?: QuarantineReader | null;
  /** The pause and the last quarantine clear, shown in the sync status (Redis). */
  control?: JobControlReader | null;
  clock?: Clock;
  retentionDays: number;
  /**
   * Sign-in: the verifier of the API's bearer tokens (without one every API call is refused, never
   * open by default) and where the dashboard signs in.
   */
  auth?: { verifier: TokenVerifier; dashboard: DashboardSignIn | null };
  /** Exports (CSV, NDJSON) streamed at once; more get 429 (default 2). */
  maxConcurrentExports?: number;
  /** How often old rows are deleted (default hourly). */
  retentionIntervalMs?: number;
  /** The services the admin console reaches through the audit (each optional: the console says what is missing). */
  console?: ConsoleUpstreams;
  /** Derives provisioning.lifecycle.v1 from results; started after the log's consumers. */
  lifecycle?: LifecycleStream | null;
}

/** The running service: its HTTP app (API, dashboard, ops routes) and lifecycle. */
export interface AuditService {
  /** Migrates the database, then starts consuming and the periodic jobs. Does not listen. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Ready once the consumers have joined their groups. */
  ready(): boolean;
  http: FastifyInstance;
  handlers: AuditHandlers;
  /** Sends the pending failure digest now (the timer calls it every interval). */
  flushDigest(): Promise<number>;
  /** Deletes what is older than the retention period now (the timer calls it periodically). */
  applyRetention(): Promise<{ logs: number; deadLetters: number; syncs: number }>;
}

const signInNotConfigured: TokenVerifier = {
  verify: async () => {
    throw new TokenRejected('Sign-in is not configured on this service.');
  },
};

/** Builds the audit service from its ports. No side effects until `start()`. */
export function buildService(deps: AuditDeps): AuditService {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger;
  const consumed = counter(deps.metrics, 'provision_audit_messages_total', 'Messages recorded by the audit', ['kind']);
  const timers: NodeJS.Timeout[] = [];
  let started = false;

  const handlers: AuditHandlers = {
    async record(items: readonly AuditItem[]) {
      await deps.store.record(items);
      for (const item of items) consumed.inc({ kind: item.kind });
    },
    async deadLetter(d: DeadLetterInput) {
      await deps.store.recordDeadLetter(d);
      consumed.inc({ kind: 'dead-letter' });
      log.warn({ topic: d.sourceTopic, key: d.key, code: d.errorCode, reason: d.reason }, 'dead letter recorded');
    },
  };

  const http: FastifyInstance = Fastify({
    loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger,
    // The dashboard polls every few seconds: request lines would drown the log.
    logController: new LogController({ disableRequestLogging: true }),
  });
  secureHeaders(http);
  registerErrorHandling(http, { service: 'audit' });
  // Everything under /api/ needs Provision.Read (unknown /api/ paths too: no route enumeration).
  protect(http, {
    verifier: deps.auth?.verifier ?? signInNotConfigured,
    role: ROLES.read,
    when: underPath('/api/'),
    onRefused: (e) => log.warn({ status: e.status, url: e.url, reason: e.reason }, 'API request refused'),
  });
  registerOpsRoutes(http, { ready: () => started && deps.events.ready(), metrics: deps.metrics });
  registerApiRoutes(http, {
    store: deps.store,
    quarantine: deps.quarantine ?? null,
    control: deps.control ?? null,
    clock,
    ...(deps.maxConcurrentExports ? { maxConcurrentExports: deps.maxConcurrentExports } : {}),
  });
  registerConsoleApi(http, deps.console ?? {});
  registerDashboard(http, deps.auth?.dashboard ?? null);

  const flushDigest = async () => {
    if (!deps.alerts) return 0;
    return sendFailureDigest(
      { store: deps.store, mailer: deps.alerts.mailer, clock, logger: log },
      deps.alerts.settings,
    );
  };
  const applyRetention = async () => {
    const cutoff = new Date(clock.now() - deps.retentionDays * 86_400_000);
    const deleted = await deps.store.deleteOlderThan(cutoff);
    if (deleted.logs + deleted.deadLetters + deleted.syncs > 0) log.info({ cutoff, ...deleted }, 'retention applied');
    return deleted;
  };
  // A periodic job never overlaps itself and never crashes the service: it logs and tries again.
  const every = (ms: number, name: string, job: () => Promise<unknown>) => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      job()
        .catch((err: unknown) => log.error({ err, job: name }, 'periodic job failed'))
        .finally(() => {
          running = false;
        });
    }, ms);
    timer.unref();
    timers.push(timer);
  };

  return {
    http,
    handlers,
    flushDigest,
    applyRetention,
    ready: () => started && deps.events.ready(),
    async start() {
      await deps.store.migrate();
      await deps.events.start(handlers);
      await deps.lifecycle?.start();
      if (deps.alerts) every(deps.alerts.intervalMs, 'failure-digest', flushDigest);
      else log.info('failure emails are off (set SMTP_URL and ALERT_EMAIL_TO to turn them on)');
      every(deps.retentionIntervalMs ?? 3_600_000, 'retention', applyRetention);
      await applyRetention().catch((err: unknown) => log.error({ err }, 'retention failed'));
      started = true;
    },
    async stop() {
      started = false;
      for (const t of timers.splice(0)) clearInterval(t);
      await deps.lifecycle?.stop();
      await deps.events.stop();
      // Unreported failures stay in the table: the next window (here or in another replica) sends
      // them, so a restart loop never floods the admins' mailbox.
      await http.close();
    },
  };
}
