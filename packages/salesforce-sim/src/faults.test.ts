import { describe, expect, it } from 'vitest';
import { decideFault, decideRecordFault, faultConfigProblem } from './faults.ts';

describe('decideFault', () => {
  it('consumes drop and burst counters request by request', () => {
    const config = { dropConnections: { count: 1 }, burst: { status: 503 as const, count: 1 } };
    expect(decideFault(config, '/x').kind).toBe('drop');
    expect(decideFault(config, '/x')).toMatchObject({ kind: 'error', status: 503, errorCode: 'SERVER_UNAVAILABLE' });
    expect(decideFault(config, '/x').kind).toBe('none');
  });

  it('answers 500 at the configured rate and draws latency from the range', () => {
    const config = { serverErrorRate: 0.5, latency: { minMs: 10, maxMs: 20 } };
    expect(decideFault(config, '/x', () => 0.25)).toMatchObject({ kind: 'error', status: 500, delayMs: 12.5 });
    expect(decideFault(config, '/x', () => 0.75)).toMatchObject({ kind: 'none', delayMs: 17.5 });
  });

  it('affects only matching paths', () => {
    expect(decideFault({ burst: { status: 429, count: 1 }, pathContains: '/composite' }, '/query').kind).toBe('none');
  });

  it('rejects unusable configurations with a reason', () => {
    expect(faultConfigProblem({ latency: { minMs: 5, maxMs: 1 } })).toMatch(/maxMs/);
    expect(faultConfigProblem({ burst: { status: 418, count: 1 } })).toMatch(/429 or 503/);
    expect(faultConfigProblem({ nope: 1 })).toMatch(/unknown/);
    expect(faultConfigProblem({ serverErrorRate: 0.1 })).toBeUndefined();
    expect(faultConfigProblem({ unableToLockRowRate: 2 })).toMatch(/unableToLockRowRate/);
    expect(faultConfigProblem({ unableToLockRowRate: 0.05 })).toBeUndefined();
  });
});

describe('decideRecordFault', () => {
  it('refuses a Collections record with UNABLE_TO_LOCK_ROW at the configured rate, naming the record', () => {
    const config = { unableToLockRowRate: 0.5 };
    expect(decideRecordFault(config, '/composite/sobjects', '005Gw000000000aIAA', () => 0.25)).toEqual({
      statusCode: 'UNABLE_TO_LOCK_ROW',
      message: 'unable to obtain exclusive access to this record or 1 records: 005Gw000000000aIAA',
      fields: [],
    });
    expect(decideRecordFault(config, '/composite/sobjects', undefined, () => 0.75)).toBeUndefined();
  });

  it('leaves records alone without the fault or outside pathContains', () => {
    expect(decideRecordFault({}, '/composite/sobjects', undefined, () => 0)).toBeUndefined();
    const elsewhere = { unableToLockRowRate: 1, pathContains: '/query' };
    expect(decideRecordFault(elsewhere, '/composite/sobjects', undefined, () => 0)).toBeUndefined();
  });
});
