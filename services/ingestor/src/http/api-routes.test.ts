import { ROLES } from '@provision/auth';
import { createTestIssuer, type TestIssuer } from '@provision/auth/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildService, type IngestorService } from '../app.ts';
import { silentLog } from '../domain/log.ts';
import { FakeDirectory } from '../testing/fake-directory.ts';
import { MemorySink, MemorySyncState, RecordingMetrics } from '../testing/fakes.ts';

const USER = '3f1c9a52-8d2e-4b7a-9c1e-2a6b5d4e7f10';
let issuer: TestIssuer;
let service: IngestorService;
let directory: FakeDirectory;
let sink: MemorySink;

beforeAll(async () => {
  issuer = await createTestIssuer();
});
beforeEach(() => {
  directory = new FakeDirectory();
  sink = new MemorySink();
  service = buildService({
    source: directory,
    state: new MemorySyncState(),
    sink,
    metrics: new RecordingMetrics(),
    log: silentLog,
    syncIntervalMs: 3_600_000,
    auth: { verifier: issuer.verifier },
    onDemandPerMinute: 5,
  });
});
afterEach(async () => {
  await service.stop();
});

const onDemand = (headers: Record<string, string>, payload: unknown = { userId: USER }) =>
  service.http.inject({
    method: 'POST',
    url: '/api/provision-on-demand',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(payload),
  });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('POST /api/provision-on-demand', () => {
  it('answers 401 without a token and publishes nothing', async () => {
    directory.upsertUser(USER, { displayName: 'Adele' });
    const response = await onDemand({});
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="Provision"');
    expect(directory.calls).toEqual([]);
  });

  it('answers 403 to Provision.Read: provisioning is an action', async () => {
    const response = await onDemand(bearer(await issuer.userToken([ROLES.read])));
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({
      code: 'PRV_FORBIDDEN',
      message: expect.stringContaining('Provision.Operate'),
    });
  });

  it('publishes one user for Provision.Operate, with who asked in the user fact and the answer', async () => {
    directory.upsertUser(USER, { displayName: 'Adele' });
    const response = await onDemand(bearer(await issuer.appToken([ROLES.operate], { oid: 'sp-1', azp: 'cli-1' })));
    expect(response.statusCode).toBe(200);
    const by = { kind: 'app', id: 'sp-1', name: '(app cli-1)' };
    expect(response.json()).toMatchObject({
      syncId: expect.stringMatching(/^on-demand-/),
      published: { 'user.upserted': 1 },
      requestedBy: by,
    });
    expect(JSON.stringify(sink)).toContain('"initiatedBy":{"kind":"app","id":"sp-1"');
  });

  it('answers 404 naming the remedy for a user Entra does not know, publishing its removal only when asked, and 400 for a malformed request', async () => {
    const operator = bearer(await issuer.userToken([ROLES.operate]));
    const published = sink.events.length;
    const missing = await onDemand(operator, { userId: '00000000-0000-0000-0000-00000000dead' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({
      error: { code: 'PRV_NOT_FOUND', message: expect.stringContaining('provision reconcile --apply') },
    });
    expect(sink.events).toHaveLength(published);
    const asked = await onDemand(operator, { userId: '00000000-0000-0000-0000-00000000dead', deprovisionIfGone: true });
    expect(asked.statusCode).toBe(200);
    expect(asked.json()).toMatchObject({ removed: 'hard', published: { 'user.removed': 1 } });
    expect(sink.events.at(-1)).toMatchObject({ type: 'user.removed', userId: '00000000-0000-0000-0000-00000000dead' });
    expect((await onDemand(operator, { userId: 'drop table' })).statusCode).toBe(400);
  });

  it('refuses text/plain (a cross-origin request shape) with 415', async () => {
    const response = await service.http.inject({
      method: 'POST',
      url: '/api/provision-on-demand',
      headers: { ...bearer(await issuer.userToken([ROLES.operate])), 'content-type': 'text/plain' },
      payload: JSON.stringify({ userId: USER }),
    });
    expect(response.statusCode).toBe(415);
  });

  it('limits the rate per client: 429 with Retry-After past the limit', async () => {
    const operator = bearer(await issuer.userToken([ROLES.operate]));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await onDemand(operator, { userId: '00000000-0000-0000-0000-00000000dead' })).statusCode);
    }
    // A request Entra has no user for counts like any other.
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
  });

  it('refuses every call when no verifier is configured (never open by default)', async () => {
    const open = buildService({
      source: directory,
      state: new MemorySyncState(),
      sink,
      metrics: new RecordingMetrics(),
      log: silentLog,
      syncIntervalMs: 3_600_000,
    });
    const response = await open.http.inject({
      method: 'POST',
      url: '/api/provision-on-demand',
      headers: { ...bearer(await issuer.userToken([ROLES.operate])), 'content-type': 'application/json' },
      payload: JSON.stringify({ userId: USER }),
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.message).toContain('Sign-in is not configured');
  });

  it('keeps the ops routes and the webhook open (the webhook checks clientState)', async () => {
    const webhook = await service.http.inject({ method: 'POST', url: '/webhooks/graph?validationToken=abc' });
    expect(webhook.statusCode).toBe(200);
    expect(webhook.headers['content-security-policy']).toContain("default-src 'none'");
  });
});
