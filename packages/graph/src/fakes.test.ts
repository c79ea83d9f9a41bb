import { isProvisionError } from '@provision/errors';
import { describe, expect, it } from 'vitest';
import { InMemoryDirectory } from './fakes.ts';
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
