import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildService, type IngestorService } from '../app.ts';
import { silentLog } from '../domain/log.ts';
import { FakeDirectory } from '../testing/fake-directory.ts';
import {
  FakeSubscriptionGateway,
  MemorySink,
  MemorySubscriptionStore,
  MemorySyncState,
  RecordingMetrics,
} from '../testing/fakes.ts';

const SECRET = 'a-client-state-secret-of-some-length';

let service: IngestorService;
let metrics: RecordingMetrics;
let directory: FakeDirectory;
let gateway: FakeSubscriptionGateway;

beforeEach(() => {
  metrics = new RecordingMetrics();
  directory = new FakeDirectory();
  gateway = new FakeSubscriptionGateway();
  service = buildService({
    source: directory,
    state: new MemorySyncState(),
    sink: new MemorySink(),
    metrics,
    log: silentLog,
    syncIntervalMs: 3_600_000,
    clientState: SECRET,
    webhook: { publicUrl: 'https://ingestor.example.com', gateway, store: new MemorySubscriptionStore() },
  });
});

afterEach(async () => {
  await service.stop();
});

const notification = (clientState: string) => ({
  subscriptionId: 'sub-1',
  changeType: 'updated',
  clientState,
  resource: 'Users/3f1c9a52-8d2e-4b7a-9c1e-2a6b5d4e7f10',
  resourceData: { '@odata.type': '#Microsoft.Graph.User', id: '3f1c9a52-8d2e-4b7a-9c1e-2a6b5d4e7f10' },
});

describe('POST /webhooks/graph', () => {
  it('echoes the decoded validation token as text/plain with 200', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 7f1c+ab&c';
    const response = await service.http.inject({
      method: 'POST',
      url: `/webhooks/graph?validationToken=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      payload: '',
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe(token);
  });

  it('answers the lifecycle URL validation the same way', async () => {
    const response = await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph/lifecycle?validationToken=abc%20def',
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('abc def');
  });

  it('accepts notifications with the right clientState with 202 and schedules a round', async () => {
    const response = await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph',
      payload: { value: [notification(SECRET), notification(SECRET)] },
    });
    expect(response.statusCode).toBe(202);
    expect(metrics.notifications.get('change:accepted')).toBe(2);
    await service.idle();
    expect(directory.calls).toContain('usersDelta');
  });

  it('ignores and counts notifications with a wrong clientState, still answering 202, and runs no round', async () => {
    const response = await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph',
      payload: { value: [notification('guess'), notification(`${SECRET}x`), { clientState: 42 }] },
    });
    expect(response.statusCode).toBe(202);
    expect(metrics.notifications.get('change:rejected')).toBe(3);
    expect(metrics.notifications.get('change:accepted') ?? 0).toBe(0);
    await service.idle();
    expect(directory.calls).toEqual([]);
  });

  it('rejects hostile input with 4xx and keeps serving', async () => {
    const cases = [
      { payload: '{"value": [', headers: { 'content-type': 'application/json' }, status: 400 },
      {
        payload: JSON.stringify({ value: 'x'.repeat(200_000) }),
        headers: { 'content-type': 'application/json' },
        status: 413,
      },
      { payload: '<xml/>', headers: { 'content-type': 'application/xml' }, status: 415 },
      { payload: 'hello', headers: { 'content-type': 'text/plain' }, status: 400 },
      { payload: '[1,2]', headers: { 'content-type': 'application/json' }, status: 400 },
      { payload: '{"value": {}}', headers: { 'content-type': 'application/json' }, status: 400 },
    ];
    for (const c of cases) {
      const response = await service.http.inject({ method: 'POST', url: '/webhooks/graph', ...c });
      expect(response.statusCode, c.payload.slice(0, 20)).toBe(c.status);
    }
    const tooLongToken = await service.http.inject({
      method: 'POST',
      url: `/webhooks/graph?validationToken=${'a'.repeat(5000)}`,
    });
    expect(tooLongToken.statusCode).toBe(400);
    const ok = await service.http.inject({ method: 'POST', url: '/webhooks/graph', payload: { value: [] } });
    expect(ok.statusCode).toBe(202);
  });
});

describe('POST /webhooks/graph/lifecycle', () => {
  it('recreates a removed subscription and runs a round', async () => {
    await service.start();
    await service.idle();
    const users = [...gateway.live.values()].find((s) => s.resource === 'users')!;
    directory.calls.length = 0;
    gateway.live.delete(users.id);

    const response = await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph/lifecycle',
      payload: { value: [{ subscriptionId: users.id, clientState: SECRET, lifecycleEvent: 'subscriptionRemoved' }] },
    });
    expect(response.statusCode).toBe(202);
    await waitUntil(() => gateway.log.filter((l) => l === 'create users').length === 2);
    await waitUntil(() => directory.calls.includes('usersDelta'));
    await service.idle();
  });

  it('reauthorizes on reauthorizationRequired and runs a round on missed', async () => {
    await service.start();
    await service.idle();
    const groups = [...gateway.live.values()].find((s) => s.resource === 'groups')!;
    directory.calls.length = 0;
    const response = await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph/lifecycle',
      payload: {
        value: [
          { subscriptionId: groups.id, clientState: SECRET, lifecycleEvent: 'reauthorizationRequired' },
          { subscriptionId: groups.id, clientState: SECRET, lifecycleEvent: 'missed' },
          { subscriptionId: groups.id, clientState: 'wrong', lifecycleEvent: 'subscriptionRemoved' },
          { subscriptionId: groups.id, clientState: SECRET, lifecycleEvent: 'somethingNew' },
        ],
      },
    });
    expect(response.statusCode).toBe(202);
    await waitUntil(() => gateway.log.includes(`reauthorize ${groups.id}`));
    await waitUntil(() => directory.calls.includes('usersDelta'));
    expect(gateway.log.filter((l) => l.startsWith('create'))).toEqual(['create users', 'create groups']);
    expect(metrics.notifications.get('lifecycle:rejected')).toBe(1);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
