import { Script } from 'node:vm';
import { ROLES } from '@provision/auth';
import { createTestIssuer, type TestIssuer } from '@provision/auth/testing';
import { ManualClock } from '@provision/ports/testing';
import { createLogger, createMetrics } from '@provision/telemetry';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AuditService, buildService } from './app.ts';
import { encodeCursor } from './domain/log-query.ts';
import type { JobControlState } from './domain/ports.ts';
import { FakeMailer, FakeQuarantine, InMemoryAuditLogStore, InMemoryEventSource } from './testing/fakes.ts';
import { commandForFailure, fixtures } from './testing/fixtures.ts';

function setup(options: { alerts?: boolean } = {}) {
  const store = new InMemoryAuditLogStore();
  const events = new InMemoryEventSource();
  const mailer = new FakeMailer();
  const quarantine = new FakeQuarantine();
  const control = {
    state: { paused: null, quarantineLastCleared: null } as JobControlState,
    read: async () => control.state,
  };
  const clock = new ManualClock(new Date('2026-11-26T12:00:00.000Z'));
  const service = buildService({
    store,
    events,
    logger: createLogger({ service: 'audit', level: 'silent' }),
    metrics: createMetrics('audit'),
    quarantine,
    control,
    clock,
    retentionDays: 30,
    auth: { verifier: issuer.verifier, dashboard: null },
    alerts: options.alerts
      ? { mailer, settings: { to: ['admin@contoso.com'], from: 'provision@contoso.com' }, intervalMs: 60_000 }
      : null,
  });
  return { store, events, mailer, quarantine, control, clock, service };
}

let issuer: TestIssuer;
let reader: string;
beforeAll(async () => {
  issuer = await createTestIssuer();
  reader = await issuer.userToken([ROLES.read]);
});

/** A GET of the API as a signed-in reader. */
const api = (service: AuditService, url: string) =>
  service.http.inject({ method: 'GET', url, headers: { authorization: `Bearer ${reader}` } });

afterEach(() => {
  vi.useRealTimers();
});

describe('audit service (in-memory ports)', () => {
  it('is ready only after start, once its consumers joined', async () => {
    const { service, store } = setup();
    expect((await service.http.inject('/readyz')).statusCode).toBe(503);
    await service.start();
    expect(store.migrated).toBe(true);
    expect((await service.http.inject('/readyz')).statusCode).toBe(200);
    await service.stop();
    expect(service.ready()).toBe(false);
  });

  it('joins a result that arrived before its command, and logs it as Entra shows it', async () => {
    const { service, events } = setup();
    await service.start();
    await events.deliverResult(fixtures.resultFailure());
    await events.deliverCommand(commandForFailure());
    const res = await api(service, `/api/provisioning-logs/${fixtures.resultFailure().commandId}`);
    expect(res.statusCode).toBe(200);
    const entry = res.json();
    expect(entry).toMatchObject({
      status: 'failure',
      provisioningAction: 'create',
      sourceIdentity: { id: '8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968', userPrincipalName: 'megan.bowen@contoso.com' },
      errorInfo: { errorCode: 'SalesforceDuplicateUserName', retriable: false, fields: ['Username'] },
      activityDateTime: '2026-11-26T11:00:01.700Z',
      modifiedProperties: [{ displayName: 'Username', oldValue: null, newValue: 'megan.bowen@contoso.com' }],
    });
    expect(entry.errorInfo.recommendedAction).toMatch(/unique across all Salesforce orgs/);
    expect(entry.provisioningSteps.map((s: { provisioningStepType: string }) => s.provisioningStepType)).toEqual([
      'import',
      'scoping',
      'matching',
      'processing',
      'export',
    ]);
    expect(entry.provisioningSteps.at(-1)).toMatchObject({
      status: 'failure',
      description: /^SalesforceDuplicateUserName/,
    });
  });

  it('answers 400 naming the bad parameter and 404 for an unknown command or route', async () => {
    const { service } = setup();
    await service.start();
    const bad = await api(service, '/api/provisioning-logs?status=broken');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'PRV_BAD_REQUEST', details: { parameter: 'status' } });
    expect(bad.json().error.message).toMatch(/'status'/);
    const missing = await api(service, '/api/provisioning-logs/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('PRV_NOT_FOUND');
    expect((await api(service, '/api/nothing-here')).statusCode).toBe(404);
    expect((await api(service, '/api/dead-letters?limit=x')).json().error.details).toEqual({
      parameter: 'limit',
    });
  });

  it('answers 400 naming what holds a NUL, which PostgreSQL text cannot: the detail id or the cursor', async () => {
    const { service } = setup();
    await service.start();
    for (const url of ['/api/provisioning-logs/%00', '/api/provisioning-logs/a%00b']) {
      const res = await api(service, url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'PRV_BAD_REQUEST', details: { parameter: 'commandId' } });
    }
    const cursor = encodeCursor({ activityAt: '2026-11-26T11:00:00.000Z', commandId: 'a\u0000b' });
    const res = await api(service, `/api/provisioning-logs?cursor=${cursor}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'PRV_BAD_REQUEST', details: { parameter: 'cursor' } });
  });

  it('answers 500 without leaking internals when the store fails unexpectedly', async () => {
    const { service, store } = setup();
    await service.start();
    store.failNext(new Error('connection refused to 10.0.0.5'));
    const res = await api(service, '/api/provisioning-logs');
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/10\.0\.0\.5/);
  });

  it('reports whether provisioning is paused, by whom, and who last cleared the quarantine', async () => {
    const { service, control } = setup();
    await service.start();
    expect((await api(service, '/api/sync-status')).json()).toMatchObject({
      paused: null,
      quarantineLastCleared: null,
    });
    const by = { kind: 'user', id: 'oid-1', name: 'Provision Admin' };
    control.state = {
      paused: { since: '2026-11-26T11:00:00.000Z', by, reason: 'maintenance' },
      quarantineLastCleared: { at: '2026-11-26T10:00:00.000Z', by },
    };
    expect((await api(service, '/api/sync-status')).json()).toMatchObject({
      paused: { reason: 'maintenance', by },
      quarantineLastCleared: { at: '2026-11-26T10:00:00.000Z', by },
    });
  });

  it('reports sync progress, counts, the last change and the writer quarantine', async () => {
    const { service, events, quarantine } = setup();
    await service.start();
    await events.deliverMarker(fixtures.syncStarted(), 0);
    await events.deliverMarker(fixtures.syncStarted(), 1);
    await events.deliverCommand(fixtures.commandCreate());
    await events.deliverCommand(commandForFailure());
    await events.deliverCommand({ ...fixtures.commandDisable(), issuedAt: '2026-11-26T11:00:03.000Z' });
    await events.deliverResult(fixtures.resultSuccess());
    await events.deliverResult(fixtures.resultFailure());
    quarantine.state = { reason: 'EncounteredQuarantineException', since: '2026-11-26T11:30:00Z' };
    let status = (await api(service, '/api/sync-status')).json();
    expect(status).toMatchObject({
      fullSync: { state: 'in-progress', syncId: 'full-2026-11-26T11:00:00Z', startedAt: '2026-11-26T11:00:00.000Z' },
      initialSyncCompleted: false,
      progress: { since: '2026-11-26T11:00:00.000Z', commandsIssued: 3, resultsReceived: 2, pending: 1 },
      counts: {
        byStatus: { success: 1, failure: 1, pending: 1 },
        byAction: { create: 2, disable: 1 },
        byErrorCode: { SalesforceDuplicateUserName: 1 },
        byOutcome: { created: 1, failed: 1, pending: 1 },
      },
      lastChange: { commandId: fixtures.resultFailure().commandId, status: 'failure' },
      quarantine: { reason: 'EncounteredQuarantineException' },
      generatedAt: '2026-11-26T12:00:00.000Z',
    });
    await events.deliverMarker(fixtures.syncCompleted(), 0);
    quarantine.failNext(new Error('redis down'));
    status = (await api(service, '/api/sync-status')).json();
    expect(status.fullSync).toMatchObject({ state: 'completed', counts: { users: 1000 } });
    expect(status.initialSyncCompleted).toBe(true);
    expect(status.quarantine).toMatchObject({ unknown: true });
  });

  it('shows who released the guard or provisioned on demand in the log entry', async () => {
    const { service, events } = setup();
    await service.start();
    const by = { kind: 'app' as const, id: 'sp-1', name: 'Provision CLI (app cli-1)' };
    await events.deliverCommand({
      ...fixtures.commandCreate(),
      origin: 'on-demand',
      initiatedBy: by,
      reasons: [
        { code: 'on-demand', severity: 'info', message: 'Provisioned on demand by Provision CLI (app cli-1).' },
      ],
    });
    const entry = (await api(service, `/api/provisioning-logs/${fixtures.commandCreate().commandId}`)).json();
    expect(entry).toMatchObject({ origin: 'on-demand', initiatedBy: by });
    expect(entry.provisioningSteps[1].description).toContain('Provisioned on demand by Provision CLI');
    await service.stop();
  });

  it('serves a dashboard page whose script, from a file, reads the API', async () => {
    const { service } = setup();
    const res = await service.http.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).not.toMatch(/<script>|<style>| style="/);
    const js = await service.http.inject('/dashboard.js');
    expect(js.headers['content-type']).toMatch(/text\/javascript/);
    for (const path of ['/api/sync-status', '/api/provisioning-logs', '/api/dead-letters']) {
      expect(js.body).toContain(path);
    }
    // No browser here: at least the page's script must compile.
    expect(() => new Script(js.body)).not.toThrow();
    expect((await service.http.inject('/dashboard.css')).statusCode).toBe(200);
  });

  it('answers every /api/ path with 401 without a token, 403 without Provision.Read, and leaves health open', async () => {
    const { service } = setup();
    await service.start();
    for (const url of [
      '/api/sync-status',
      '/api/provisioning-logs',
      '/api/provisioning-logs/x',
      '/api/dead-letters',
      '/api/unknown',
    ]) {
      const anonymous = await service.http.inject(url);
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="Provision"');
      expect(anonymous.json()).toMatchObject({ error: { code: 'PRV_UNAUTHENTICATED' } });
    }
    const noRole = await service.http.inject({
      url: '/api/sync-status',
      headers: { authorization: `Bearer ${await issuer.userToken([])}` },
    });
    expect(noRole.statusCode).toBe(403);
    expect(noRole.json().error.message).toContain('Provision.Read');
    expect((await api(service, '/api/sync-status')).statusCode).toBe(200);
    for (const url of ['/healthz', '/readyz', '/metrics', '/']) {
      expect((await service.http.inject(url)).statusCode, url).toBe(200);
    }
    await service.stop();
  });

  it('serves the dashboard with a CSP that allows no inline code and names the authority', async () => {
    const service = buildService({
      store: new InMemoryAuditLogStore(),
      events: new InMemoryEventSource(),
      logger: createLogger({ service: 'audit', level: 'silent' }),
      metrics: createMetrics('audit'),
      retentionDays: 30,
      auth: {
        verifier: issuer.verifier,
        dashboard: {
          authority: 'https://login.test/tenant-1',
          clientId: 'client-1',
          scope: 'api://client-1/access_as_user',
        },
      },
    });
    const res = await service.http.inject('/');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self' https://login.test");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.body).toContain('content="{&quot;authority&quot;:&quot;https://login.test/tenant-1&quot;');
  });

  it('emails one digest per window and retries a digest the mail server refused', async () => {
    const { service, events, mailer } = setup({ alerts: true });
    await service.start();
    await events.deliverCommand(commandForFailure());
    await events.deliverResult(fixtures.resultFailure());
    await events.deliverResult(fixtures.resultSuccess());
    mailer.failNext(new Error('421 try later'));
    await expect(service.flushDigest()).rejects.toThrow(/421/);
    expect(await service.flushDigest()).toBe(1);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: ['admin@contoso.com'], from: 'provision@contoso.com' });
    expect(mailer.sent[0]?.subject).toMatch(/1 provisioning failure \(SalesforceDuplicateUserName ×1\)/);
    expect(mailer.sent[0]?.text).toContain('megan.bowen@contoso.com');
    // Reported once: a redelivered result or the next window sends nothing new.
    await events.deliverResult(fixtures.resultFailure());
    expect(await service.flushDigest()).toBe(0);
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends the digest by itself once per interval', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { service, events, mailer } = setup({ alerts: true });
    await service.start();
    await events.deliverResult(fixtures.resultFailure());
    await vi.advanceTimersByTimeAsync(59_000);
    expect(mailer.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(mailer.sent).toHaveLength(1));
    await service.stop();
  });

  it('sends no email when email is not configured', async () => {
    const { service, events, mailer } = setup({ alerts: false });
    await service.start();
    await events.deliverResult(fixtures.resultFailure());
    expect(await service.flushDigest()).toBe(0);
    expect(mailer.sent).toHaveLength(0);
  });

  it('deletes entries older than the retention period', async () => {
    const { service, events, store, clock } = setup();
    await service.start();
    await events.deliverCommand(fixtures.commandCreate());
    await events.deliverResult(fixtures.resultSuccess());
    clock.advance(29 * 86_400_000);
    expect((await service.applyRetention()).logs).toBe(0);
    clock.advance(2 * 86_400_000);
    expect((await service.applyRetention()).logs).toBe(1);
    expect(store.rows.size).toBe(0);
  });
});
