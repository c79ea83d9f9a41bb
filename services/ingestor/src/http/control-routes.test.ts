import { ROLES } from '@provision/auth';
import { createTestIssuer, type TestIssuer } from '@provision/auth/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildService, type IngestorService } from '../app.ts';
import { silentLog } from '../domain/log.ts';
import { FakeDirectory } from '../testing/fake-directory.ts';
import { MemoryJobControl, MemorySink, MemorySyncState, RecordingMetrics } from '../testing/fakes.ts';

const USER = '3f1c9a52-8d2e-4b7a-9c1e-2a6b5d4e7f10';
let issuer: TestIssuer;
let service: IngestorService;
let directory: FakeDirectory;
let sink: MemorySink;
let state: MemorySyncState;
let control: MemoryJobControl;

beforeAll(async () => {
  issuer = await createTestIssuer();
});
beforeEach(() => {
  directory = new FakeDirectory();
  directory.upsertUser(USER, { displayName: 'Adele' });
  directory.assign('a1', 'User', USER, 'role-1');
  sink = new MemorySink();
  state = new MemorySyncState();
  control = new MemoryJobControl();
  service = buildService({
    source: directory,
    state,
    sink,
    control,
    metrics: new RecordingMetrics(),
    log: silentLog,
    syncIntervalMs: 3_600_000,
    auth: { verifier: issuer.verifier },
  });
});
afterEach(async () => {
  await service.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const post = (url: string, headers: Record<string, string>, payload: unknown = {}) =>
  service.http.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(payload),
  });
const WRITES = [
  '/api/provisioning/pause',
  '/api/provisioning/resume',
  '/api/provisioning/restart',
  '/api/writer-quarantine/clear',
];

describe('the job controls: roles', () => {
  it('answers 403 to Provision.Read on every write, changing nothing, and 401 without a token', async () => {
    const reader = bearer(await issuer.userToken([ROLES.read]));
    control.quarantine = { reason: 'refused' };
    for (const url of WRITES) {
      const response = await post(url, reader);
      expect(response.statusCode, url).toBe(403);
      expect(response.json().error, url).toMatchObject({
        code: 'PRV_FORBIDDEN',
        message: expect.stringContaining('Operate'),
      });
      expect((await post(url, {})).statusCode, url).toBe(401);
    }
    expect(control.pausedState).toBeNull();
    expect(control.clears).toEqual([]);
    expect(control.quarantine).not.toBeNull();
  });

  it('lets Provision.Read see whether provisioning is paused', async () => {
    const reader = bearer(await issuer.userToken([ROLES.read]));
    const response = await service.http.inject({ method: 'GET', url: '/api/provisioning', headers: reader });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ paused: null });
  });

  it('refuses text/plain (a cross-origin request shape) and a reason past 500 characters', async () => {
    const operator = bearer(await issuer.userToken([ROLES.operate]));
    const plain = await service.http.inject({
      method: 'POST',
      url: '/api/provisioning/pause',
      headers: { ...operator, 'content-type': 'text/plain' },
      payload: '{}',
    });
    expect(plain.statusCode).toBe(415);
    expect((await post('/api/provisioning/pause', operator, { reason: 'x'.repeat(501) })).statusCode).toBe(400);
    expect(control.pausedState).toBeNull();
  });
});

describe('pause and resume', () => {
  it('while paused reads nothing from Graph (no round, no assignments poll, no on-demand), then catches up through the kept delta cursor', async () => {
    await service.start();
    await service.idle();
    const cursors = await state.cursors();
    expect(cursors.users).toBeDefined();
    const operator = bearer(await issuer.userToken([ROLES.operate], { name: 'Provision Admin' }));

    const paused = await post('/api/provisioning/pause', operator, { reason: 'Salesforce maintenance' });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({
      paused: {
        reason: 'Salesforce maintenance',
        by: { kind: 'user', name: expect.stringContaining('Provision Admin') },
      },
    });
    expect(
      (await service.http.inject({ method: 'GET', url: '/api/provisioning', headers: operator })).json(),
    ).toMatchObject({ paused: { reason: 'Salesforce maintenance' } });

    directory.calls.length = 0;
    sink.clear();
    directory.upsertUser(USER, { displayName: 'Adele Vance' });
    service.requestRound('notification');
    service.requestRound('interval');
    await service.idle();
    expect(await service.pollAssignments()).toBeUndefined();
    const onDemand = await post('/api/provision-on-demand', operator, { userId: USER });
    expect(onDemand.statusCode).toBe(409);
    expect(onDemand.json().error).toMatchObject({ code: 'PRV_PROVISIONING_PAUSED' });
    expect(directory.calls).toEqual([]);
    expect(sink.events).toEqual([]);
    expect(await state.cursors()).toEqual(cursors);

    const resumed = await post('/api/provisioning/resume', operator);
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toMatchObject({ paused: null, ended: { reason: 'Salesforce maintenance' } });
    await service.idle();
    expect(service.lastRound()?.mode).toBe('incremental');
    expect(sink.facts()).toMatchObject([
      { type: 'user.upserted', userId: USER, attributes: { displayName: 'Adele Vance' } },
    ]);
  });

  it('keeps the first pause (who, since when) when paused twice', async () => {
    const operator = bearer(await issuer.userToken([ROLES.operate]));
    const first = (await post('/api/provisioning/pause', operator, { reason: 'first' })).json();
    const second = (await post('/api/provisioning/pause', operator, { reason: 'second' })).json();
    expect(second).toEqual(first);
  });
});

describe('restart provisioning', () => {
  it('discards the delta cursors and the assignment snapshot, lifts the quarantine, and runs a full sync at once', async () => {
    await service.start();
    await service.idle();
    expect(service.lastRound()?.mode).toBe('full');
    service.requestRound('test');
    await service.idle();
    expect(service.lastRound()?.mode).toBe('incremental');
    expect(state.snapshot.size).toBe(1);
    control.quarantine = { reason: 'INVALID_LOGIN', code: 'SalesforceAuthenticationFailed' };
    sink.clear();

    const operator = bearer(await issuer.userToken([ROLES.operate]));
    const response = await post('/api/provisioning/restart', operator);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      fullSync: 'requested',
      quarantineLifted: { reason: 'INVALID_LOGIN' },
      requestedBy: { kind: 'user' },
    });
    expect(control.quarantine).toBeNull();
    expect(control.clears).toHaveLength(1);
    await service.idle();

    expect(service.lastRound()?.mode).toBe('full');
    expect(sink.markers().map((m) => [m.type, m.mode])).toContainEqual(['sync.started', 'full']);
    // Everyone restated: the user and the assignment, as at the first sync.
    expect(sink.facts().map((f) => f.type)).toEqual(['user.upserted', 'assignment.changed']);
    expect(state.snapshot.size).toBe(1);
    expect((await state.cursors()).users).toBeDefined();
  });

  it('while paused discards the watermarks at once and leaves the full sync to the resume', async () => {
    await service.start();
    await service.idle();
    const operator = bearer(await issuer.userToken([ROLES.operate]));
    await post('/api/provisioning/pause', operator);
    directory.calls.length = 0;
    const response = await post('/api/provisioning/restart', operator);
    expect(response.json()).toMatchObject({ fullSync: 'after-resume' });
    await service.idle();
    expect(directory.calls).toEqual([]);
    expect(await state.cursors()).toEqual({});

    await post('/api/provisioning/resume', operator);
    await service.idle();
    expect(service.lastRound()?.mode).toBe('full');
  });
});

describe('clear the writer quarantine', () => {
  it('lifts it for Provision.Operate and says who cleared it', async () => {
    control.quarantine = { reason: 'REQUEST_LIMIT_EXCEEDED' };
    const operator = bearer(await issuer.appToken([ROLES.operate], { oid: 'sp-1', azp: 'cli-1' }));
    const response = await post('/api/writer-quarantine/clear', operator);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      lifted: { reason: 'REQUEST_LIMIT_EXCEEDED' },
      clearedBy: { kind: 'app', id: 'sp-1', name: '(app cli-1)' },
    });
    expect(control.clears).toEqual([{ at: expect.any(String), by: { kind: 'app', id: 'sp-1', name: '(app cli-1)' } }]);
  });
});
