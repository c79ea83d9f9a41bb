import { beforeEach, describe, expect, it } from 'vitest';
import { InMemorySubscriptionIds, InMemorySubscriptions } from './fakes.ts';
import { renewalDue, SubscriptionKeeper } from './subscription-keeper.ts';

const HOUR = 3_600_000;
/** A clock the test moves by hand. */
const clock = {
  at: 0,
  now: () => clock.at,
  advance(ms: number) {
    clock.at += ms;
  },
};
let gateway: InMemorySubscriptions;
let store: InMemorySubscriptionIds;

const keeper = () =>
  new SubscriptionKeeper({
    subscriptions: gateway,
    store,
    now: clock.now,
    notificationUrl: 'https://ingestor.example.com/webhooks/graph',
    lifecycleNotificationUrl: 'https://ingestor.example.com/webhooks/graph/lifecycle',
    clientState: 'secret-secret-secret',
    lifetimeMs: 48 * HOUR,
    renewBeforeMs: 24 * HOUR,
  });

beforeEach(() => {
  clock.at = Date.parse('2026-11-26T11:00:00.000Z');
  gateway = new InMemorySubscriptions({ now: clock.now });
  store = new InMemorySubscriptionIds();
});

describe('renewalDue', () => {
  it('is due inside the margin or for an unreadable date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(renewalDue('2026-01-01T01:00:00Z', now, 2 * 3600_000)).toBe(true);
    expect(renewalDue('2026-01-10T00:00:00Z', now, 2 * 3600_000)).toBe(false);
    expect(renewalDue('nonsense', now, 0)).toBe(true);
  });
});

describe('SubscriptionKeeper', () => {
  it('creates one subscription per resource with both URLs, the clientState and an expiry', async () => {
    const k = keeper();
    await k.ensure();
    const subs = [...gateway.subscriptions.values()];
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

  it('is complete only once every resource has a subscription', async () => {
    const k = keeper();
    expect(k.complete).toBe(false);
    gateway.failNext();
    await expect(k.ensure()).rejects.toThrow('injected failure');
    expect(k.complete).toBe(false);
    await k.ensure();
    expect(k.complete).toBe(true);
  });

  it('reuses the subscriptions a previous run left by renewing them, and replaces unusable ones', async () => {
    await keeper().ensure();
    gateway.subscriptions.delete('sub-2');
    gateway.calls.length = 0;
    const next = keeper();
    await next.ensure();
    expect(gateway.calls).toEqual(['renew sub-1', 'renew sub-2', 'create groups']);
    expect(store.ids).toEqual({ users: 'sub-1', groups: 'sub-3' });
  });

  it('renews only the subscriptions close to expiry', async () => {
    const k = keeper();
    await k.ensure();
    gateway.calls.length = 0;
    clock.advance(12 * HOUR);
    await k.renewDue();
    expect(gateway.calls).toEqual([]);
    clock.advance(13 * HOUR);
    await k.renewDue();
    expect(gateway.calls).toEqual(['renew sub-1', 'renew sub-2']);
    expect(k.subscriptions.get('users')?.expirationDateTime).toBe('2026-11-29T12:00:00.000Z');
  });

  it('falls back from reauthorize to renew to recreate', async () => {
    const k = keeper();
    await k.ensure();
    gateway.calls.length = 0;
    await k.reauthorize('sub-1');
    expect(gateway.calls).toEqual(['reauthorize sub-1']);
    gateway.failing.add('reauthorize');
    gateway.failing.add('renew');
    gateway.calls.length = 0;
    clock.advance(61_000);
    await k.reauthorize('sub-1');
    expect(gateway.calls).toEqual(['reauthorize sub-1', 'renew sub-1', 'create users']);
    expect(k.owns('sub-3')).toBe(true);
    expect(k.owns('sub-1')).toBe(false);
  });

  it('recreates a removed subscription and ignores ids that are not ours', async () => {
    const k = keeper();
    await k.ensure();
    await k.recreate('someone-else');
    await k.recreate('sub-2');
    expect(gateway.calls.filter((l) => l.startsWith('create'))).toEqual([
      'create users',
      'create groups',
      'create groups',
    ]);
    expect(store.ids['groups']).toBe('sub-3');
  });

  it('handles a repeated lifecycle event once: concurrent repeats share the attempt, later ones within a minute are dropped', async () => {
    const k = keeper();
    await k.ensure();
    gateway.calls.length = 0;
    await Promise.all(Array.from({ length: 50 }, () => k.reauthorize('sub-1')));
    await k.reauthorize('sub-1');
    expect(gateway.calls).toEqual(['reauthorize sub-1']);
    clock.advance(61_000);
    await k.reauthorize('sub-1');
    expect(gateway.calls).toEqual(['reauthorize sub-1', 'reauthorize sub-1']);
    await Promise.all(Array.from({ length: 50 }, () => k.recreate('sub-2')));
    expect(gateway.calls.filter((l) => l === 'create groups')).toHaveLength(1);
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
