import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { isProvisionError } from '@provision/errors';
import { ensureCertificates, type GraphSim, startGraphSim } from '@provision/graph-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  answerValidation,
  type ChangeNotice,
  createGraphClient,
  GraphSubscriptionManager,
  InMemorySubscriptionIds,
  type LifecycleNotice,
  notificationItems,
  SubscriptionKeeper,
  type SubscriptionSpec,
  screenNotifications,
  toChangeNotice,
  toLifecycleNotice,
} from '../src/index.ts';

const CLIENT_STATE = 'a-secret-only-we-and-graph-know';

async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A webhook like the ingestor's: answers validation, screens notifications, can be told to fail. */
class Receiver {
  tenantId = '';
  changes: ChangeNotice[] = [];
  lifecycle: LifecycleNotice[] = [];
  failNext = 0;
  wrongValidation = false;
  attempts = 0;
  server!: Server;
  url = '';

  async start(certDir: string): Promise<void> {
    const certs = await ensureCertificates(certDir, ['localhost', '127.0.0.1']);
    this.server = createServer({ key: certs.key, cert: certs.cert }, (request, response) => {
      const query = new URL(request.url ?? '/', 'https://localhost').searchParams;
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const validation = answerValidation(query);
        if (validation) {
          response.writeHead(validation.status, { 'content-type': validation.contentType });
          response.end(this.wrongValidation ? 'nope' : validation.body);
          return;
        }
        this.attempts++;
        if (this.failNext > 0) {
          this.failNext--;
          response.writeHead(503).end();
          return;
        }
        response.writeHead(202).end();
        const batch = notificationItems(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        if (!batch) return;
        const options = { clientState: CLIENT_STATE, tenantId: this.tenantId, ownsSubscription: async () => true };
        void screenNotifications(batch.items, batch.total, options).then(({ accepted }) => {
          for (const item of accepted) {
            const change = toChangeNotice(item);
            const lifecycle = toLifecycleNotice(item);
            if (change) this.changes.push(change);
            if (lifecycle) this.lifecycle.push(lifecycle);
          }
        });
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `https://localhost:${(this.server.address() as AddressInfo).port}`;
  }
}

describe('subscriptions and change notifications against graph-sim', () => {
  let sim: GraphSim;
  let manager: GraphSubscriptionManager;
  const receiver = new Receiver();
  let spec: SubscriptionSpec;

  beforeAll(async () => {
    sim = await startGraphSim({ users: 20, seed: 3, notificationRetry: { initialDelayMs: 20, maxDelayMs: 100 } });
    await receiver.start(dirname(sim.caCertPath));
    receiver.tenantId = sim.tenant.tenantId;
    manager = new GraphSubscriptionManager(createGraphClient({ ...sim, graphUrl: sim.url }));
    spec = {
      resource: 'users',
      notificationUrl: `${receiver.url}/graph/notifications`,
      lifecycleNotificationUrl: `${receiver.url}/graph/lifecycle`,
      clientState: CLIENT_STATE,
    };
  });
  afterAll(async () => {
    await sim?.close();
    receiver.server?.close();
  });
  /** A keeper of one `users` subscription over graph-sim, its ids kept in memory. */
  const keeperOf = (options: { lifetimeMs?: number; renewBeforeMs?: number; store?: InMemorySubscriptionIds } = {}) =>
    new SubscriptionKeeper({
      subscriptions: manager,
      store: new InMemorySubscriptionIds(),
      now: Date.now,
      resources: ['users'],
      notificationUrl: spec.notificationUrl,
      lifecycleNotificationUrl: spec.lifecycleNotificationUrl ?? '',
      clientState: CLIENT_STATE,
      ...options,
    });

  beforeEach(async () => {
    for (const sub of await manager.list()) await manager.delete(sub.id);
    receiver.changes = [];
    receiver.lifecycle = [];
  });

  it('creates a subscription after the validation handshake and delivers user changes with clientState', async () => {
    const keeper = keeperOf();
    await keeper.ensure();
    const subscription = keeper.subscriptions.get('users');
    expect(await manager.list()).toEqual([subscription]);
    const user = [...sim.tenant.users.active()][0];
    sim.admin.updateUser(user?.id ?? '', { jobTitle: 'Chief Notifier' });
    const [notice] = await waitFor(() => receiver.changes.length > 0 && receiver.changes);
    expect(notice).toMatchObject({
      subscriptionId: subscription?.id,
      changeType: 'updated',
      resourceKind: 'user',
      id: user?.id,
    });
  });

  it('retries a delivery while the receiver fails', async () => {
    await manager.create(spec);
    receiver.failNext = 2;
    const before = receiver.attempts;
    const user = [...sim.tenant.users.active()][1];
    sim.admin.softDelete('user', user?.id ?? '');
    await waitFor(() => receiver.changes.some((c) => c.id === user?.id));
    expect(receiver.attempts - before).toBe(3);
  });

  it('fails to create a subscription when the endpoint does not echo the validation token', async () => {
    receiver.wrongValidation = true;
    try {
      const error = await manager.create(spec).catch((e: unknown) => e);
      expect(isProvisionError(error) && error.details).toMatchObject({ status: 400 });
      expect(await manager.list()).toEqual([]);
    } finally {
      receiver.wrongValidation = false;
    }
  });

  it('renews a subscription that is due, and leaves one that is not', async () => {
    const keeper = keeperOf({ lifetimeMs: 60 * 60_000, renewBeforeMs: 10 * 60_000 });
    await keeper.ensure();
    const created = keeper.subscriptions.get('users');
    await keeper.renewDue();
    expect(keeper.subscriptions.get('users')).toBe(created);
    // Another keeper (a restart) finds the stored id, and renews it when it is due by its margin.
    const store = new InMemorySubscriptionIds();
    await store.save('users', created?.id ?? '');
    const eager = keeperOf({ lifetimeMs: 3 * 60 * 60_000, renewBeforeMs: 4 * 60 * 60_000, store });
    await eager.ensure();
    expect(eager.subscriptions.get('users')?.id).toBe(created?.id);
    expect(await manager.list()).toHaveLength(1);
    await eager.renewDue();
    const renewed = eager.subscriptions.get('users');
    expect(renewed?.id).toBe(created?.id);
    expect(Date.parse(renewed?.expirationDateTime ?? '')).toBeGreaterThan(
      Date.parse(created?.expirationDateTime ?? ''),
    );
  });

  it('reauthorizes on reauthorizationRequired and recreates after subscriptionRemoved', async () => {
    const keeper = keeperOf();
    await keeper.ensure();
    const created = keeper.subscriptions.get('users');
    sim.admin.lifecycle(created?.id ?? '', 'reauthorizationRequired');
    const [reauth] = await waitFor(() => receiver.lifecycle.length > 0 && receiver.lifecycle);
    // Changes while the subscription waits for reauthorization are held, then delivered.
    const user = [...sim.tenant.users.active()][2];
    sim.admin.updateUser(user?.id ?? '', { jobTitle: 'Changed while paused' });
    expect((reauth as LifecycleNotice).lifecycleEvent).toBe('reauthorizationRequired');
    await keeper.reauthorize((reauth as LifecycleNotice).subscriptionId);
    await waitFor(() => receiver.changes.some((c) => c.id === user?.id));

    sim.admin.lifecycle(created?.id ?? '', 'subscriptionRemoved');
    const removed = await waitFor(() => receiver.lifecycle.find((l) => l.lifecycleEvent === 'subscriptionRemoved'));
    expect(await manager.list()).toEqual([]);
    await keeper.recreate(removed.subscriptionId);
    expect(await manager.list()).toHaveLength(1);
    expect(keeper.owns(created?.id ?? '')).toBe(false);
  });

  it('refuses an expiry past the 41,760-minute limit and an http notification URL', async () => {
    const client = createGraphClient({ ...sim, graphUrl: sim.url });
    const tooLong = new Date(Date.now() + 41_761 * 60_000).toISOString();
    const body = {
      changeType: 'updated,deleted',
      notificationUrl: spec.notificationUrl,
      resource: 'users',
      expirationDateTime: tooLong,
    };
    await expect(client.api('/subscriptions').post(body)).rejects.toMatchObject({ statusCode: 400 });
    const plain = {
      ...body,
      expirationDateTime: new Date(Date.now() + 3600_000).toISOString(),
      notificationUrl: 'http://localhost/x',
    };
    await expect(client.api('/subscriptions').post(plain)).rejects.toMatchObject({ statusCode: 400 });
  });
});
