import { describe, expect, it, vi } from 'vitest';
import { Accumulator } from './accumulator.ts';

describe('Accumulator', () => {
  it('gives urgent items flushes of their own beside a busy bulk flush, never filled with bulk items', async () => {
    const flushes: number[][] = [];
    const urgentFlushes: number[][] = [];
    const gates: (() => void)[] = [];
    const acc = new Accumulator<number, number>({
      maxBatch: 3,
      lingerMs: 5,
      maxFlushes: 1,
      flush: async (items, { urgent }) => {
        flushes.push(items);
        if (urgent) urgentFlushes.push(items);
        // The bulk flush waits until the test lets it end; the others answer at once.
        if (items.includes(1)) await new Promise<void>((r) => gates.push(r));
        return items;
      },
    });
    const bulk = acc.submit([1, 2, 3]);
    await vi.waitFor(() => expect(flushes).toEqual([[1, 2, 3]]));
    const queued = acc.submit([4, 5]);
    const urgent = acc.submit([9], { urgent: true });
    // The lane: not waiting for the bulk flush to end, and without the items queued before it.
    expect(await urgent).toEqual([9]);
    expect(flushes).toEqual([[1, 2, 3], [9]]);
    // Urgent again, while the bulk lane still waits: a flush of its own again.
    const urgentToo = acc.submit([8], { urgent: true });
    const held = acc.submit([6]);
    expect(await urgentToo).toEqual([8]);
    gates.shift()?.();
    expect(await bulk).toEqual([1, 2, 3]);
    expect(await queued).toEqual([4, 5]);
    expect(await held).toEqual([6]);
    expect(flushes).toEqual([[1, 2, 3], [9], [8], [4, 5, 6]]);
    // Only the urgent items' flushes are urgent (their calls may take the urgent slot).
    expect(urgentFlushes).toEqual([[9], [8]]);
  });

  it('never writes an urgent item with the bulk items waiting beside it, even with a flush free', async () => {
    const flushes: { items: number[]; urgent: boolean }[] = [];
    const acc = new Accumulator<number, number>({
      maxBatch: 10,
      lingerMs: 5,
      maxLingerMs: 200,
      maxFlushes: 1,
      flush: async (items, { urgent }) => {
        flushes.push({ items, urgent });
        return items;
      },
    });
    // A sync's commands and a live change, arriving together with nothing running: the change
    // waits only the linger, in a flush of its own, and the sync's batch is not urgent.
    const sync = acc.submit([1, 2, 3]);
    const live = acc.submit([9], { urgent: true });
    expect(await live).toEqual([9]);
    expect(await sync).toEqual([1, 2, 3]);
    expect(flushes).toHaveLength(2);
    expect(flushes).toContainEqual({ items: [9], urgent: true });
    expect(flushes).toContainEqual({ items: [1, 2, 3], urgent: false });
  });

  it('starts an urgent flush beside one still running, up to maxFlushes of them, while the bulk flushes are busy', async () => {
    const flushes: number[][] = [];
    const gates = new Map<number, () => void>();
    const acc = new Accumulator<number, number>({
      maxBatch: 2,
      lingerMs: 5,
      maxFlushes: 2,
      flush: async (items) => {
        flushes.push(items);
        // Every flush waits until the test lets it end.
        await new Promise<void>((r) => gates.set(items[0]!, r));
        return items;
      },
    });
    const bulk = [acc.submit([1, 2]), acc.submit([3, 4])];
    await vi.waitFor(() => expect(flushes).toHaveLength(2));
    const first = acc.submit([9], { urgent: true });
    await vi.waitFor(() => expect(flushes).toHaveLength(3));
    // The first urgent flush is still running (a slow Salesforce call): the next change does not wait for it.
    const second = acc.submit([8], { urgent: true });
    await vi.waitFor(() => expect(flushes).toHaveLength(4));
    expect(flushes.slice(2)).toEqual([[9], [8]]);
    // Two urgent flushes run (maxFlushes): a third waits for one of them.
    const third = acc.submit([7], { urgent: true });
    await new Promise((r) => setTimeout(r, 30));
    expect(flushes).toHaveLength(4);
    gates.get(9)?.();
    expect(await first).toEqual([9]);
    await vi.waitFor(() => expect(flushes.at(-1)).toEqual([7]));
    for (const key of [1, 3, 8, 7]) gates.get(key)?.();
    expect(await Promise.all([...bulk, second, third])).toEqual([[1, 2], [3, 4], [8], [7]]);
  });

  it('merges submissions that arrive within the linger into one flush, answering each caller in order', async () => {
    const flushes: number[][] = [];
    const acc = new Accumulator<number, string>({
      maxBatch: 100,
      lingerMs: 20,
      flush: async (items) => {
        flushes.push(items);
        return items.map((i) => `r${i}`);
      },
    });
    const [a, b] = await Promise.all([acc.submit([1, 2]), acc.submit([3])]);
    expect(a).toEqual(['r1', 'r2']);
    expect(b).toEqual(['r3']);
    expect(flushes).toEqual([[1, 2, 3]]);
  });

  it('flushes at once when full, and never more than maxBatch per flush', async () => {
    const flushes: number[] = [];
    const acc = new Accumulator<number, number>({
      maxBatch: 3,
      lingerMs: 60_000,
      flush: async (items) => {
        flushes.push(items.length);
        return items;
      },
    });
    const answers = await acc.submit([1, 2, 3, 4, 5, 6]);
    expect(answers).toEqual([1, 2, 3, 4, 5, 6]);
    expect(flushes).toEqual([3, 3]);
  });

  it('runs one flush at a time and rejects the callers of a failed flush only', async () => {
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    const acc = new Accumulator<number, number>({
      maxBatch: 2,
      lingerMs: 1,
      flush: async (items) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setImmediate(r));
        active--;
        if (++calls === 1) throw new Error('boom');
        return items;
      },
    });
    const first = acc.submit([1, 2]);
    const second = acc.submit([3, 4]);
    await expect(first).rejects.toThrow('boom');
    await expect(second).resolves.toEqual([3, 4]);
    expect(maxActive).toBe(1);
  });

  it('runs up to maxFlushes flushes at once: a lone item passes a slow flush in progress', async () => {
    let active = 0;
    let maxActive = 0;
    const gates: (() => void)[] = [];
    const acc = new Accumulator<number, number>({
      maxBatch: 2,
      lingerMs: 1,
      maxFlushes: 2,
      flush: async (items) => {
        active++;
        maxActive = Math.max(maxActive, active);
        if (items[0] === 1) await new Promise<void>((r) => gates.push(r));
        active--;
        return items;
      },
    });
    const slow = acc.submit([1, 2]);
    const lone = acc.submit([3]);
    // The lone item is answered while the first flush is still held open.
    await expect(lone).resolves.toEqual([3]);
    expect(gates).toHaveLength(1);
    // A third flush waits while two run.
    const blocked = acc.submit([1, 4]);
    const third = acc.submit([5, 6]);
    let thirdDone = false;
    void third.then(() => {
      thirdDone = true;
    });
    await expect.poll(() => gates.length).toBe(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(thirdDone).toBe(false);
    for (const open of gates.splice(0)) open();
    await expect(Promise.all([slow, blocked, third])).resolves.toEqual([
      [1, 2],
      [1, 4],
      [5, 6],
    ]);
    expect(maxActive).toBe(2);
  });

  it('while a flush runs, starts a second one only full or after maxLingerMs, not after a quiet period', async () => {
    const flushed: number[][] = [];
    let open: () => void = () => undefined;
    const acc = new Accumulator<number, number>({
      maxBatch: 3,
      lingerMs: 5,
      maxLingerMs: 300,
      maxFlushes: 2,
      flush: async (items) => {
        flushed.push(items);
        if (items[0] === 1) await new Promise<void>((r) => (open = r));
        return items;
      },
    });
    const slow = acc.submit([1, 2, 3]);
    const started = Date.now();
    const partial = acc.submit([4]);
    await new Promise((r) => setTimeout(r, 60));
    expect(flushed).toEqual([[1, 2, 3]]);
    await expect(partial).resolves.toEqual([4]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    open();
    await slow;
  });

  it('waits for a quiet period while items keep coming, but never past maxLingerMs', async () => {
    vi.useFakeTimers();
    try {
      const flushes: { size: number; at: number }[] = [];
      const t0 = Date.now();
      const acc = new Accumulator<number, number>({
        maxBatch: 1000,
        lingerMs: 40,
        maxLingerMs: 400,
        flush: async (items) => {
          flushes.push({ size: items.length, at: Date.now() - t0 });
          return items;
        },
      });
      // A stream: one item every 10 ms for 200 ms — no 40 ms quiet period, so one batch, flushed
      // 40 ms after the last item.
      const pending: Promise<number[]>[] = [];
      for (let i = 0; i < 20; i++) {
        pending.push(acc.submit([i]));
        await vi.advanceTimersByTimeAsync(10);
      }
      await vi.advanceTimersByTimeAsync(40);
      await Promise.all(pending);
      expect(flushes).toEqual([{ size: 20, at: 230 }]);
      // A stream longer than maxLingerMs (70 items over 700 ms) is cut 400 ms after its first item;
      // the rest is flushed after the quiet period that ends the stream.
      flushes.length = 0;
      const t1 = Date.now() - t0;
      const long: Promise<number[]>[] = [];
      for (let i = 0; i < 70; i++) {
        long.push(acc.submit([i]));
        await vi.advanceTimersByTimeAsync(10);
      }
      await vi.advanceTimersByTimeAsync(40);
      await Promise.all(long);
      expect(flushes).toEqual([
        { size: 40, at: t1 + 400 },
        { size: 30, at: t1 + 690 + 40 },
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
