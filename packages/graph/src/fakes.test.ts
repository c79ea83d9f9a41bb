import { isProvisionError } from '@provision/errors';
import { describe, expect, it } from 'vitest';
import { InMemoryAppRoles, InMemoryDirectory, InMemorySubscriptions } from './fakes.ts';
import type { DeltaPage } from './types.ts';

async function round<T>(pages: AsyncIterable<DeltaPage<T>>): Promise<{ changes: T[]; cursor?: string }> {
  const changes: T[] = [];
  let cursor: string | undefined;
  for await (const page of pages) {
    changes.push(...page.changes);
    cursor = page.cursor ?? cursor;
  }
  return { changes, ...(cursor ? { cursor } : {}) };
}

describe('InMemoryDirectory', () => {
  it('reports a full round, then only changes and removals, like Graph delta', async () => {
    const directory = new InMemoryDirectory();
    directory.setUser({ id: 'u1', displayName: 'One' });
    directory.setUser({ id: 'u2', displayName: 'Two' });
    const full = await round(directory.users());
    expect(full.changes).toHaveLength(2);
    directory.setUser({ id: 'u1', displayName: 'Uno' });
    directory.removeUser('u2', 'changed');
    const next = await round(directory.users({ ...(full.cursor ? { cursor: full.cursor } : {}) }));
    expect(next.changes).toEqual([
      { kind: 'upsert', id: 'u1', user: { id: 'u1', displayName: 'Uno' } },
      { kind: 'removed', id: 'u2', reason: 'changed' },
    ]);
  });

  it('expires cursors and fails on demand', async () => {
    const directory = new InMemoryDirectory();
    const cursor = await directory.latestCursor('groups');
    directory.expireCursors();
    const error = await round(directory.groups({ cursor })).catch((e: unknown) => e);
    expect(isProvisionError(error) && error.code).toBe('PRV_GRAPH_DELTA_EXPIRED');
    directory.failNext();
    await expect(directory.assign('u1', 'r1')).rejects.toThrow('injected failure');
  });
});

describe('InMemorySubscriptions', () => {
  it('creates, renews when due and recreates after removal, like the Graph adapter', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const subs = new InMemorySubscriptions({ now: () => now });
    const spec = { resource: 'users', notificationUrl: 'https://x/n', clientState: 's', lifetimeMinutes: 60 };
    const created = await subs.ensure(spec, 10 * 60_000);
    expect(created.action).toBe('created');
    expect((await subs.ensure(spec, 10 * 60_000)).action).toBe('unchanged');
    now += 55 * 60_000;
    expect((await subs.ensure(spec, 10 * 60_000)).action).toBe('renewed');
    subs.remove(created.subscription.id);
    const notice = {
      subscriptionId: created.subscription.id,
      lifecycleEvent: 'subscriptionRemoved',
      subscriptionExpirationDateTime: null,
    };
    expect(await subs.handleLifecycle(notice, spec)).toBe('recreated');
    expect(await subs.list()).toHaveLength(1);
  });
});

describe('InMemoryAppRoles', () => {
  it('publishes through the same plan as the Graph adapter', async () => {
    const roles = new InMemoryAppRoles();
    expect((await roles.publish([{ value: 'Standard User' }])).added).toEqual(['Standard User']);
    expect((await roles.publish([])).removed).toEqual(['Standard User']);
    expect(await roles.roles()).toEqual([]);
  });
});
