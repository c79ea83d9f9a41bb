import { isProvisionError } from '@provision/errors';
import { describe, expect, it } from 'vitest';
import { InMemoryAppRoles, InMemoryGraphDirectory, InMemorySubscriptions } from './fakes.ts';
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

describe('InMemoryGraphDirectory', () => {
  it('reports a full round, then only changes and removals, like Graph delta', async () => {
    const directory = new InMemoryGraphDirectory();
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
    const directory = new InMemoryGraphDirectory();
    const cursor = await directory.latestCursor('groups');
    directory.expireCursors();
    const error = await round(directory.groups({ cursor })).catch((e: unknown) => e);
    expect(isProvisionError(error) && error.code).toBe('PRV_GRAPH_DELTA_EXPIRED');
    directory.failNext();
    await expect(directory.assign('u1', 'r1')).rejects.toThrow('injected failure');
  });
});

describe('InMemorySubscriptions', () => {
  it('creates and renews with the asked lifetime, fails as Graph does for an unknown id, and drops expired ones', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const subs = new InMemorySubscriptions({ now: () => now });
    const spec = { resource: 'users', notificationUrl: 'https://x/n', clientState: 's', lifetimeMinutes: 60 };
    const created = await subs.create(spec);
    expect(created).toMatchObject({ id: 'sub-1', resource: 'users', expirationDateTime: '2026-01-01T01:00:00.000Z' });
    now += 30 * 60_000;
    expect((await subs.renew('sub-1', 60)).expirationDateTime).toBe('2026-01-01T01:30:00.000Z');
    const missing = await subs.renew('sub-9').catch((e: unknown) => e);
    expect(isProvisionError(missing) && missing.details['status']).toBe(404);
    await expect(subs.reauthorize('sub-9')).rejects.toThrow('not found');
    now += 2 * 60 * 60_000;
    expect(await subs.list()).toEqual([]);
    expect(subs.calls).toEqual(['create users', 'renew sub-1', 'renew sub-9', 'reauthorize sub-9', 'list']);
  });

  it('fails an operation while it is marked failing, and the next call after failNext()', async () => {
    const subs = new InMemorySubscriptions();
    subs.failing.add('create');
    await expect(subs.create({ resource: 'users', notificationUrl: 'https://x/n', clientState: 's' })).rejects.toThrow(
      'injected create failure',
    );
    subs.failing.clear();
    subs.failNext();
    await expect(subs.list()).rejects.toThrow('injected failure');
    expect(await subs.list()).toEqual([]);
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
