import { InMemorySubscriptionIds, InMemorySubscriptions } from '@provision/graph';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildService, type IngestorService } from '../app.ts';
import { type Log, silentLog } from '../domain/log.ts';
import { FakeDirectory } from '../testing/fake-directory.ts';
import { MemorySink, MemorySyncState, RecordingMetrics } from '../testing/fakes.ts';

const SECRET = 'a-client-state-secret-of-some-length';
const TENANT = '7c1f3b2a-0d4e-4f6a-9b8c-1e2d3c4b5a69';

let service: IngestorService;
let metrics: RecordingMetrics;
let directory: FakeDirectory;
let gateway: InMemorySubscriptions;
let warnings: string[];

/** An ingestor over this test's directory and subscriptions, with our secret and tenant. */
function ingestor(options: { metrics: RecordingMetrics; log: Log; store?: InMemorySubscriptionIds }): IngestorService {
  return buildService({
    source: directory,
    state: new MemorySyncState(),
    sink: new MemorySink(),
    metrics: options.metrics,
    log: options.log,
    syncIntervalMs: 3_600_000,
    clientState: SECRET,
    tenantId: TENANT,
    webhook: {
      publicUrl: 'https://ingestor.example.com',
      subscriptions: gateway,
      store: options.store ?? new InMemorySubscriptionIds(),
    },
  });
}

beforeEach(() => {
  metrics = new RecordingMetrics();
  directory = new FakeDirectory();
  gateway = new InMemorySubscriptions();
  warnings = [];
  service = ingestor({ metrics, log: { ...silentLog, warn: (_o, message) => warnings.push(message ?? '') } });
});

afterEach(async () => {
  await service.stop();
});

const notification = (clientState: string, subscriptionId = 'sub-1', tenantId = TENANT) => ({
  subscriptionId,
  tenantId,
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

  it('accepts notifications with the right clientState, tenant and subscription with 202 and schedules a round', async () => {
    await service.start();
    await service.idle();
    directory.calls.length = 0;
    const response = await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph',
      payload: { value: [notification(SECRET), notification(SECRET)] },
    });
    expect(response.statusCode).toBe(202);
    await waitUntil(() => metrics.notifications.get('change:accepted') === 2);
    await waitUntil(() => directory.calls.includes('usersDelta'));
    await service.idle();
  });

  it('ignores, counts and logs notifications for a subscription not ours or another tenant, still answering 202', async () => {
    await service.start();
    await service.idle();
    directory.calls.length = 0;
    const response = await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph',
      payload: {
        value: [
          notification(SECRET, 'sub-of-someone-else'),
          notification(SECRET, 'sub-1', '00000000-0000-4000-8000-000000000000'),
          notification(SECRET, 'sub-1', ''),
          { ...notification(SECRET), subscriptionId: undefined },
        ],
      },
    });
    expect(response.statusCode).toBe(202);
    await waitUntil(() => metrics.notifications.get('change:unknown') === 4);
    expect(metrics.notifications.get('change:accepted') ?? 0).toBe(0);
    expect(warnings).toContain('notifications for another tenant or a subscription not ours ignored');
    await service.idle();
    expect(directory.calls).toEqual([]);
  });

  it('logs a batch that fails after its 202 and asks for a delta round anyway, so its changes are not lost', async () => {
    const errors: string[] = [];
    const failing = new RecordingMetrics();
    failing.notification = () => {
      throw new Error('metrics backend gone');
    };
    const other = ingestor({
      metrics: failing,
      log: { ...silentLog, error: (_o, message) => errors.push(message ?? '') },
    });
    try {
      await other.start();
      await other.idle();
      directory.calls.length = 0;
      const response = await other.http.inject({
        method: 'POST',
        url: '/webhooks/graph',
        payload: { value: [notification(SECRET)] },
      });
      expect(response.statusCode).toBe(202);
      await waitUntil(() =>
        errors.includes('a notification batch failed after its 202; a delta round is asked for instead'),
      );
      await waitUntil(() => directory.calls.includes('usersDelta'));
      await other.idle();
    } finally {
      await other.stop();
    }
  });

  it('knows a subscription another replica stored, without having created it', async () => {
    const store = new InMemorySubscriptionIds();
    await store.save('users', 'sub-from-replica-2');
    const other = ingestor({ metrics, log: silentLog, store });
    try {
      await other.start();
      await other.idle();
      await store.save('groups', 'sub-from-replica-2-groups');
      directory.calls.length = 0;
      await other.http.inject({
        method: 'POST',
        url: '/webhooks/graph',
        payload: { value: [notification(SECRET, 'sub-from-replica-2-groups', TENANT.toUpperCase())] },
      });
      await waitUntil(() => metrics.notifications.get('change:accepted') === 1);
    } finally {
      await other.stop();
    }
  });

  it('ignores and counts notifications with a wrong clientState, still answering 202, and runs no round', async () => {
    const response = await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph',
      payload: { value: [notification('guess'), notification(`${SECRET}x`), { clientState: 42 }] },
    });
    expect(response.statusCode).toBe(202);
    await waitUntil(() => metrics.notifications.get('change:rejected') === 3);
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
      // Every refusal in the one error body of every service's API.
      expect(response.json(), c.payload.slice(0, 20)).toMatchObject({
        error: { code: 'PRV_BAD_REQUEST', retriable: false },
      });
    }
    const tooLongToken = await service.http.inject({
      method: 'POST',
      url: `/webhooks/graph?validationToken=${'a'.repeat(5000)}`,
    });
    expect(tooLongToken.statusCode).toBe(400);
    expect(tooLongToken.json()).toEqual({
      error: {
        code: 'PRV_BAD_REQUEST',
        message: 'invalid validationToken',
        retriable: false,
        details: { parameter: 'validationToken' },
      },
    });
    const ok = await service.http.inject({ method: 'POST', url: '/webhooks/graph', payload: { value: [] } });
    expect(ok.statusCode).toBe(202);
  });
});

describe('POST /webhooks/graph/lifecycle', () => {
  it('recreates a removed subscription and runs a round', async () => {
    await service.start();
    await service.idle();
    const users = [...gateway.subscriptions.values()].find((s) => s.resource === 'users')!;
    directory.calls.length = 0;
    gateway.subscriptions.delete(users.id);

    const response = await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph/lifecycle',
      payload: { value: [lifecycle(users.id, 'subscriptionRemoved')] },
    });
    expect(response.statusCode).toBe(202);
    await waitUntil(() => gateway.calls.filter((l) => l === 'create users').length === 2);
    await waitUntil(() => directory.calls.includes('usersDelta'));
    await service.idle();
  });

  it('reauthorizes on reauthorizationRequired and runs a round on missed', async () => {
    await service.start();
    await service.idle();
    const groups = [...gateway.subscriptions.values()].find((s) => s.resource === 'groups')!;
    directory.calls.length = 0;
    const response = await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph/lifecycle',
      payload: {
        value: [
          lifecycle(groups.id, 'reauthorizationRequired'),
          lifecycle(groups.id, 'missed'),
          { ...lifecycle(groups.id, 'subscriptionRemoved'), clientState: 'wrong' },
          lifecycle(groups.id, 'somethingNew'),
        ],
      },
    });
    expect(response.statusCode).toBe(202);
    await waitUntil(() => gateway.calls.includes(`reauthorize ${groups.id}`));
    await waitUntil(() => directory.calls.includes('usersDelta'));
    expect(gateway.calls.filter((l) => l.startsWith('create'))).toEqual(['create users', 'create groups']);
    expect(metrics.notifications.get('lifecycle:rejected')).toBe(1);
  });

  it('50 identical subscriptionRemoved items, in one batch or 50 requests at once, recreate it once', async () => {
    await service.start();
    await service.idle();
    // Graph holds the re-creation until every repeat has arrived: the repeats all meet it in flight.
    const create = gateway.create.bind(gateway);
    let answerGraph: () => void = () => undefined;
    const graphAnswers = new Promise<void>((resolve) => {
      answerGraph = resolve;
    });
    gateway.create = async (s) => {
      await graphAnswers;
      return create(s);
    };
    const users = [...gateway.subscriptions.values()].find((s) => s.resource === 'users')!;
    const batch = { value: Array.from({ length: 50 }, () => lifecycle(users.id, 'subscriptionRemoved')) };
    await service.http.inject({ method: 'POST', url: '/webhooks/graph/lifecycle', payload: batch });
    await Promise.all(
      Array.from({ length: 50 }, () =>
        service.http.inject({
          method: 'POST',
          url: '/webhooks/graph/lifecycle',
          payload: { value: [lifecycle(users.id, 'subscriptionRemoved')] },
        }),
      ),
    );
    // Every one of the 100 items was screened and handed on: any second re-creation would have started.
    await waitUntil(() => metrics.notifications.get('lifecycle:accepted') === 100);
    answerGraph();
    await waitUntil(() => gateway.calls.filter((l) => l === 'create users').length === 2);
    await service.idle();
    expect(gateway.calls.filter((l) => l === 'create users')).toHaveLength(2);
    // Once recreated, the old id is not ours: a late repeat is ignored and counted.
    await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph/lifecycle',
      payload: { value: [lifecycle(users.id, 'subscriptionRemoved')] },
    });
    await waitUntil(() => (metrics.notifications.get('lifecycle:unknown') ?? 0) >= 1);
    expect(gateway.calls.filter((l) => l === 'create users')).toHaveLength(2);
  });

  it('50 reauthorizationRequired items reauthorize once; 50 missed items run one round', async () => {
    await service.start();
    await service.idle();
    const groups = [...gateway.subscriptions.values()].find((s) => s.resource === 'groups')!;
    directory.calls.length = 0;
    const many = (event: string) => ({ value: Array.from({ length: 50 }, () => lifecycle(groups.id, event)) });
    await service.http.inject({ method: 'POST', url: '/webhooks/graph/lifecycle', payload: many('missed') });
    await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph/lifecycle',
      payload: many('reauthorizationRequired'),
    });
    await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph/lifecycle',
      payload: many('reauthorizationRequired'),
    });
    await waitUntil(() => metrics.notifications.get('lifecycle:accepted') === 150);
    await waitUntil(() => gateway.calls.includes(`reauthorize ${groups.id}`));
    await waitUntil(() => directory.calls.includes('usersDelta'));
    await service.idle();
    expect(gateway.calls.filter((l) => l === `reauthorize ${groups.id}`)).toHaveLength(1);
    expect(directory.calls.filter((c) => c === 'usersDelta')).toHaveLength(1);
  });

  it('ignores lifecycle items of another tenant or subscription', async () => {
    await service.start();
    await service.idle();
    await service.http.inject({
      method: 'POST',
      url: '/webhooks/graph/lifecycle',
      payload: {
        value: [
          { ...lifecycle('sub-1', 'subscriptionRemoved'), tenantId: '00000000-0000-4000-8000-000000000000' },
          lifecycle('not-ours', 'subscriptionRemoved'),
        ],
      },
    });
    await waitUntil(() => metrics.notifications.get('lifecycle:unknown') === 2);
    expect(gateway.calls.filter((l) => l.startsWith('create'))).toEqual(['create users', 'create groups']);
  });
});

const lifecycle = (subscriptionId: string, lifecycleEvent: string) => ({
  subscriptionId,
  tenantId: TENANT,
  clientState: SECRET,
  lifecycleEvent,
});

/** Waits for a condition (polled) to hold. */
async function waitUntil(condition: () => boolean, timeout = 5000): Promise<void> {
  await expect.poll(condition, { timeout, interval: 5 }).toBe(true);
}
