import { beforeEach, describe, expect, it } from 'vitest';
import { FakeSubscriptionGateway, ManualClock, MemorySubscriptionStore } from '../testing/fakes.ts';
import { silentLog } from './log.ts';
import { SubscriptionKeeper } from './subscription-keeper.ts';

const HOUR = 3_600_000;
let gateway: FakeSubscriptionGateway;
let store: MemorySubscriptionStore;
let clock: ManualClock;

const keeper = () =>
  new SubscriptionKeeper({
    gateway,
    store,
    clock,
    log: silentLog,
    notificationUrl: 'https://ingestor.example.com/webhooks/graph',
    lifecycleNotificationUrl: 'https://ingestor.example.com/webhooks/graph/lifecycle',
    clientState: 'secret-secret-secret',
    lifetimeMs: 48 * HOUR,
    renewBeforeMs: 24 * HOUR,
  });

beforeEach(() => {
  gateway = new FakeSubscriptionGateway();
  store = new MemorySubscriptionStore();
  clock = new ManualClock();
});

describe('SubscriptionKeeper', () => {
  it('creates one subscription per resource with both URLs, the clientState and an expiry', async () => {
    const k = keeper();
    await k.ensure();
    const subs = [...gateway.live.values()];
    expect(subs.map((s) => s.resource)).toEqual(['users', 'groups']);
    expect(subs[0]).toMatchObject({
      changeType: 'updated,deleted',
      notificationUrl: 'https://ingestor.example.com/webhooks/graph',
      lifecycleNotificationUrl: 'https://ingestor.example.com/webhooks/graph/lifecycle',
      clientState: 'secret-secret-secret',
      expirationDateTime: '2026-11-28T11:00:00.000Z',
    });
    expect(store.ids).toEqual({ users: 'sub-1', groups: 'sub-2' });
  });

  it('reuses the subscriptions a previous run left by renewing them, and replaces unusable ones', async () => {
    await keeper().ensure();
    gateway.live.delete('sub-2');
    gateway.log.length = 0;
    const next = keeper();
    await next.ensure();
    expect(gateway.log).toEqual(['renew sub-1', 'renew sub-2', 'create groups']);
    expect(store.ids).toEqual({ users: 'sub-1', groups: 'sub-3' });
  });

  it('renews only the subscriptions close to expiry', async () => {
    const k = keeper();
    await k.ensure();
    gateway.log.length = 0;
    clock.advance(12 * HOUR);
    await k.renewDue();
    expect(gateway.log).toEqual([]);
    clock.advance(13 * HOUR);
    await k.renewDue();
    expect(gateway.log).toEqual(['renew sub-1', 'renew sub-2']);
    expect(k.subscriptions.get('users')?.expirationDateTime).toBe('2026-11-29T12:00:00.000Z');
  });

  it('falls back from reauthorize to renew to recreate', async () => {
    const k = keeper();
    await k.ensure();
    gateway.log.length = 0;
    await k.reauthorize('sub-1');
    expect(gateway.log).toEqual(['reauthorize sub-1']);
    gateway.failing.add('reauthorize');
    gateway.failing.add('renew');
    gateway.log.length = 0;
    clock.advance(61_000);
    await k.reauthorize('sub-1');
    expect(gateway.log).toEqual(['reauthorize sub-1', 'renew sub-1', 'create users']);
    expect(k.owns('sub-3')).toBe(true);
    expect(k.owns('sub-1')).toBe(false);
  });

  it('recreates a removed subscription and ignores ids that are not ours', async () => {
    const k = keeper();
    await k.ensure();
    await k.recreate('someone-else');
    await k.recreate('sub-2');
    expect(gateway.log.filter((l) => l.startsWith('create'))).toEqual([
      'create users',
      'create groups',
      'create groups',
    ]);
    expect(store.ids['groups']).toBe('sub-3');
  });

  it('handles a repeated lifecycle event once: concurrent repeats share the attempt, later ones within a minute are dropped', async () => {
    const k = keeper();
    await k.ensure();
    gateway.log.length = 0;
    await Promise.all(Array.from({ length: 50 }, () => k.reauthorize('sub-1')));
    await k.reauthorize('sub-1');
    expect(gateway.log).toEqual(['reauthorize sub-1']);
    clock.advance(61_000);
    await k.reauthorize('sub-1');
    expect(gateway.log).toEqual(['reauthorize sub-1', 'reauthorize sub-1']);
    await Promise.all(Array.from({ length: 50 }, () => k.recreate('sub-2')));
    expect(gateway.log.filter((l) => l === 'create groups')).toHaveLength(1);
  });

  it('knows the ids it created and those stored by another replica, re-reading the store at most every 5 s', async () => {
    const k = keeper();
    await k.ensure();
    expect(await k.isOurs('sub-1')).toBe(true);
    expect(await k.isOurs('sub-9')).toBe(false);
    await store.save('users', 'sub-9');
    expect(await k.isOurs('sub-9')).toBe(false);
    clock.advance(5_001);
    expect(await k.isOurs('sub-9')).toBe(true);
  });
});
