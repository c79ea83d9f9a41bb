import { describe, expect, it } from 'vitest';
import {
  type CallOutcome,
  type ConcurrencySettings,
  concurrencyProblem,
  DEFAULT_CONCURRENCY,
  initialState,
  nextState,
  signalOf,
  slots,
} from './concurrency.ts';

const settings: ConcurrencySettings = { ...DEFAULT_CONCURRENCY, min: 1, max: 20, initial: 4, holdMs: 1_000 };
const write = (o: Partial<CallOutcome> = {}): CallOutcome => ({
  write: true,
  records: 200,
  latencyMs: 3_400,
  lockedRecords: 0,
  concurrentLimit: false,
  ...o,
});

describe('the adaptive concurrency limit (AIMD)', () => {
  it('starts slow: one more slot per clean write until the first decrease, up to the ceiling', () => {
    let state = initialState(settings);
    for (let i = 0; i < 4; i++) state = nextState(state, write(), settings, i);
    expect(slots(state)).toBe(8);
    for (let i = 0; i < 1_000; i++) state = nextState(state, write(), settings, i);
    expect(state.limit).toBe(20);
  });

  it('after a decrease, grows by one slot per limit-worth of clean writes', () => {
    let state = nextState({ ...initialState(settings), limit: 8 }, write({ concurrentLimit: true }), settings, 0);
    expect(state.limit).toBe(4);
    for (let i = 0; i < 4; i++) state = nextState(state, write(), settings, 10_000 + i);
    expect(slots(state)).toBe(5);
    for (let i = 0; i < 5; i++) state = nextState(state, write(), settings, 20_000 + i);
    expect(slots(state)).toBe(6);
  });

  it('halves on a write with more than the tolerated share of locked rows, once per hold period', () => {
    let state = { ...initialState(settings), limit: 16 };
    state = nextState(state, write({ lockedRecords: 60 }), settings, 10_000);
    expect(state.limit).toBe(8);
    // The same congestion answered by the other calls of the wave: no second cut.
    state = nextState(state, write({ lockedRecords: 60 }), settings, 10_500);
    expect(state.limit).toBe(8);
    state = nextState(state, write({ lockedRecords: 60 }), settings, 11_000);
    expect(state.limit).toBe(4);
    // A few locked rows are the price of parallelism: they are retried, the limit still grows.
    expect(signalOf(write({ lockedRecords: 10 }), state, settings)).toBe('increase');
  });

  it('halves when a write is far slower per record than the fastest seen, and on the concurrent limit', () => {
    let state = nextState({ ...initialState(settings), limit: 10 }, write({ latencyMs: 3_400 }), settings, 0);
    expect(state.bestMsPerRecord).toBe(17);
    expect(signalOf(write({ latencyMs: 3_400 * 2 }), state, settings)).toBe('increase');
    expect(signalOf(write({ latencyMs: 3_400 * 3 }), state, settings)).toBe('decrease');
    state = nextState(state, write({ records: 0, concurrentLimit: true }), settings, 5_000);
    expect(slots(state)).toBe(5);
    expect(state.bestMsPerRecord).toBe(17);
  });

  it('never goes under the floor, and reads leave the limit alone', () => {
    let state = initialState(settings);
    for (let t = 0; t < 10; t++) state = nextState(state, write({ concurrentLimit: true }), settings, t * 2_000);
    expect(state.limit).toBe(1);
    expect(signalOf({ ...write(), write: false }, state, settings)).toBe('hold');
  });

  it('refuses settings it could not honour, naming them', () => {
    expect(concurrencyProblem({ ...settings, max: 0 })).toBe('max must be at least min');
    expect(concurrencyProblem({ ...settings, decrease: 1 })).toBe('decrease must be between 0 and 1');
    expect(concurrencyProblem(settings)).toBeUndefined();
  });
});
