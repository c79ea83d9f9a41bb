import { describe, expect, it, vi } from 'vitest';
import { LocalConcurrencyLimiter } from '../adapters/memory-concurrency.ts';
import { inMemoryBatchDeps } from '../testing/batch-deps.ts';
import { aCommand } from '../testing/commands.ts';
import { InMemorySalesforceDirectory } from '../testing/in-memory-directory.ts';
import { writeBatch } from './batch-writer.ts';
import { DEFAULT_CONCURRENCY } from './concurrency.ts';
import type { Fields, SaveOutcome } from './ports.ts';
import { recordsPerCall } from './user-writes.ts';

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
  it('lets an urgent batch through while a sync holds every slot of the budget, in the urgent reserve', async () => {
    const { concurrency, deps } = setup(2);
    const soon = <T>(p: Promise<T>) =>
      Promise.race([p.then(() => 'done'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 100))]);
    const budget = new LocalConcurrencyLimiter({ ...DEFAULT_CONCURRENCY, min: 1, max: 3, initial: 2 });
    // The sync's calls hold both slots of the limit.
    const held = [await budget.acquire(), await budget.acquire()];
    const bulk = writeBatch([aCommand()], { ...deps, concurrency: budget });
    expect(await soon(bulk)).toBe('waiting');
    const live = writeBatch([aCommand()], { ...deps, concurrency: budget, urgent: true });
    expect(await soon(live)).toBe('done');
    expect((await live).map((r) => r.status)).toEqual(['success']);
    for (const slot of held)
      await slot.release({ write: false, records: 0, latencyMs: 1, lockedRecords: 0, concurrentLimit: false });
    expect((await bulk).map((r) => r.status)).toEqual(['success']);
    expect(concurrency.view().inFlight).toBe(0);
  });

  it('lets urgent calls through right after a cut left the sync holding more than the limit, up to the reserve', async () => {
    const limiter = new LocalConcurrencyLimiter({ ...DEFAULT_CONCURRENCY, min: 1, max: 8, initial: 4, urgent: 2 });
    const held = [await limiter.acquire(), await limiter.acquire(), await limiter.acquire(), await limiter.acquire()];
    // A write with most of its records locked halves the limit: 2, with 3 of the sync's calls still running.
    await held[0]!.release({ write: true, records: 200, latencyMs: 3_000, lockedRecords: 150, concurrentLimit: false });
    expect(limiter.view()).toMatchObject({ limit: 2, inFlight: 3 });
    const started: string[] = [];
    const take = (name: string, urgent: boolean) =>
      limiter.acquire({ urgent }).then((slot) => {
        started.push(name);
        return slot;
      });
    const bulk = take('bulk', false);
    const live = [take('live 1', true), take('live 2', true), take('live 3', true)];
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Two live calls run past the limit at once (the reserve); the third, and the sync's, wait.
    expect(started).toEqual(['live 1', 'live 2']);
    const done = { write: false, records: 0, latencyMs: 1, lockedRecords: 0, concurrentLimit: false };
    await (await live[0]!).release(done);
    await vi.waitFor(() => expect(started).toEqual(['live 1', 'live 2', 'live 3']));
    for (const slot of [...held.slice(1), await live[1]!, await live[2]!]) await slot.release(done);
    await (await bulk).release(done);
    expect(limiter.view().inFlight).toBe(0);
  });

  it('gives no slot past the maximum, urgent or not', async () => {
    const limiter = new LocalConcurrencyLimiter({ ...DEFAULT_CONCURRENCY, min: 1, max: 2, initial: 2 });
    const held = [await limiter.acquire(), await limiter.acquire()];
    let taken = false;
    const urgent = limiter.acquire({ urgent: true }).then((slot) => {
      taken = true;
      return slot;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(taken).toBe(false);
    const done = { write: false, records: 0, latencyMs: 1, lockedRecords: 0, concurrentLimit: false };
    await held[0]!.release(done);
    await (await urgent).release(done);
    await held[1]!.release(done);
    expect(limiter.view().inFlight).toBe(0);
  });

  it('runs the write calls of a round at once, never more than the budget lets through', async () => {
    const { directory, concurrency, deps } = setup(3);
    const commands = Array.from({ length: 1_400 }, () => aCommand());
    const results = await writeBatch(commands, { ...deps, recordsPerCall: 200 });
    expect(results.every((r) => r.status === 'success')).toBe(true);
    expect(directory.count('create')).toBe(7);
    expect(directory.mostAtOnce).toBe(3);
    expect(concurrency.view().inFlight).toBe(0);
  });

  it('spreads a slow org write over the calls the limit has room for, packs it when there is none, never past 10 s a call', async () => {
    const write = (latencyMs: number) => ({
      write: true,
      records: 200,
      latencyMs,
      lockedRecords: 0,
      concurrentLimit: false,
    });
    const creates = (d: InMemorySalesforceDirectory) =>
      d.calls.filter((c) => c.operation === 'create').map((c) => c.size);
    const thousand = () => Array.from({ length: 1_000 }, () => aCommand());

    // 200 records took 1 s: 1,000 packed would take 5 s. Room for 3 calls: 400, 400 and 200 at once.
    const roomy = setup(3);
    await (await roomy.concurrency.acquire()).release(write(1_000));
    await writeBatch(thousand(), roomy.deps);
    expect(creates(roomy.directory)).toEqual([400, 400, 200]);
    expect(roomy.directory.mostAtOnce).toBe(3);

    // Another replica's calls hold two of the three slots: one call of 1,000.
    const busy = setup(3);
    await (await busy.concurrency.acquire()).release(write(1_000));
    const held = [await busy.concurrency.acquire(), await busy.concurrency.acquire()];
    const results = await writeBatch(thousand(), busy.deps);
    expect(results.every((r) => r.status === 'success')).toBe(true);
    expect(creates(busy.directory)).toEqual([1_000]);

    // 200 records took 3.4 s: 1,000 packed would take 17 s. No room, still calls of at most 400 (6.8 s).
    const slow = setup(3);
    await (await slow.concurrency.acquire()).release(write(3_400));
    const full = [await slow.concurrency.acquire(), await slow.concurrency.acquire()];
    const written = writeBatch(thousand(), slow.deps);
    // The first call takes the free slot; the others wait for the held ones.
    for (const slot of full) await slot.release(write(3_400));
    expect((await written).every((r) => r.status === 'success')).toBe(true);
    expect(creates(slow.directory)).toEqual([400, 400, 200]);
    for (const slot of held) await slot.release({ ...write(1), write: false, records: 0 });

    // An org that wrote 200 records in 20 ms: 1,000 packed take 100 ms, one call.
    const quick = setup(3);
    await (await quick.concurrency.acquire()).release(write(20));
    await writeBatch(thousand(), quick.deps);
    expect(creates(quick.directory)).toEqual([1_000]);
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
    expect(directory.calls.filter((c) => c.operation === 'create').map((c) => c.size)).toEqual([300, 30]);
    expect(results.filter((r) => r.attempt === 2)).toHaveLength(30);
    expect(directory.users.size).toBe(300);
  });
});

describe('recordsPerCall', () => {
  it('packs whole Collections calls of 200, at most the most a call, spreading a slow write over the room there is', () => {
    // 5 ms a record: 1,000 packed take 5 s, over 2 s; three calls keep each under it.
    const paced = (freeSlots: number) => ({ freeSlots, msPerRecord: 5 });
    expect(recordsPerCall(1_000, 1_000, paced(0))).toBe(1_000);
    expect(recordsPerCall(1_000, 1_000, paced(1))).toBe(1_000);
    expect(recordsPerCall(1_000, 1_000, paced(2))).toBe(600);
    expect(recordsPerCall(1_000, 1_000, paced(3))).toBe(400);
    expect(recordsPerCall(1_000, 1_000, paced(12))).toBe(400);
    expect(recordsPerCall(2_500, 1_000, paced(0))).toBe(1_000);
    expect(recordsPerCall(2_500, 1_000, paced(3))).toBe(1_000);
    expect(recordsPerCall(2_500, 1_000, paced(4))).toBe(800);
    expect(recordsPerCall(150, 1_000, paced(4))).toBe(1_000);
    expect(recordsPerCall(1_000, 150, paced(4))).toBe(150);
    // 1 ms a record: 1,000 packed take 1 s, one call whatever the room.
    expect(recordsPerCall(1_000, 1_000, { freeSlots: 12, msPerRecord: 1 })).toBe(1_000);
    // 17 ms a record: never a call of over 10 s (400 records), room or not; with room, calls of 200.
    expect(recordsPerCall(1_000, 1_000, { freeSlots: 0, msPerRecord: 17 })).toBe(400);
    expect(recordsPerCall(1_000, 1_000, { freeSlots: 12, msPerRecord: 17 })).toBe(200);
    // Slower than 10 s for 200: one Collections call a call, the least there is.
    expect(recordsPerCall(1_000, 1_000, { freeSlots: 0, msPerRecord: 60 })).toBe(200);
    // The pace unknown: packed.
    expect(recordsPerCall(1_000, 1_000, { freeSlots: 12, msPerRecord: null })).toBe(1_000);
  });
});
