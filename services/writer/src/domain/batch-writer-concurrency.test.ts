import { describe, expect, it } from 'vitest';
import { LocalConcurrencyLimiter } from '../adapters/memory-concurrency.ts';
import { inMemoryBatchDeps } from '../testing/batch-deps.ts';
import { aCommand } from '../testing/commands.ts';
import { InMemorySalesforceDirectory } from '../testing/in-memory-directory.ts';
import { writeBatch } from './batch-writer.ts';
import { DEFAULT_CONCURRENCY } from './concurrency.ts';
import type { Fields, SaveOutcome } from './ports.ts';

/** A directory whose writes take a while, counting how many run at once. */
class SlowDirectory extends InMemorySalesforceDirectory {
  running = 0;
  mostAtOnce = 0;
  override async createUsers(records: readonly Fields[]): Promise<SaveOutcome[]> {
    this.running++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.running--;
    return super.createUsers(records);
  }
}

function setup(max: number) {
  const directory = new SlowDirectory();
  const concurrency = new LocalConcurrencyLimiter({ ...DEFAULT_CONCURRENCY, min: 1, max, initial: max });
  const deps = { ...inMemoryBatchDeps(directory), concurrency };
  return { directory, concurrency, deps };
}

describe('writeBatch under a concurrency budget', () => {
  it('runs the Collections calls of a round at once, never more than the budget lets through', async () => {
    const { directory, concurrency, deps } = setup(3);
    const commands = Array.from({ length: 1_400 }, () => aCommand());
    const results = await writeBatch(commands, deps);
    expect(results.every((r) => r.status === 'success')).toBe(true);
    expect(directory.count('create')).toBe(7);
    expect(directory.mostAtOnce).toBe(3);
    expect(concurrency.view().inFlight).toBe(0);
  });

  it('sends only the records Salesforce could not lock again, not their whole call', async () => {
    const { directory, deps } = setup(4);
    const locked = new Set(Array.from({ length: 30 }, (_, i) => `user${i * 10}@contoso.com`));
    directory.failRecords(
      (f) => locked.has(String(f['Username'])),
      {
        code: 'SalesforceRecordLocked',
        salesforceCode: 'UNABLE_TO_LOCK_ROW',
        message: 'unable to obtain exclusive access to this record or 1 records: 005000000000001AAA',
        fields: [],
        retriable: true,
      },
      30,
    );
    const commands = Array.from({ length: 300 }, (_, n) => aCommand({ n }));
    const results = await writeBatch(commands, deps);
    expect(results.every((r) => r.status === 'success')).toBe(true);
    expect(directory.calls.filter((c) => c.operation === 'create').map((c) => c.size)).toEqual([200, 100, 30]);
    expect(results.filter((r) => r.attempt === 2)).toHaveLength(30);
    expect(directory.users.size).toBe(300);
  });
});
