import { describe, expect, it } from 'vitest';
import { FaultPlan } from './faults.ts';

describe('FaultPlan', () => {
  it('applies a fault to the next matching requests only, count times', () => {
    const plan = new FaultPlan();
    plan.add({ kind: 'throttle', retryAfterSeconds: 2, count: 2, path: '/v1.0/users' });
    expect(plan.take('GET', '/v1.0/groups', ['throttle'])).toBeUndefined();
    expect(plan.take('GET', '/v1.0/users/delta', ['throttle'])).toMatchObject({ kind: 'throttle' });
    expect(plan.take('GET', '/v1.0/users', ['error'])).toBeUndefined();
    expect(plan.take('GET', '/v1.0/users', ['throttle'])).toMatchObject({ kind: 'throttle' });
    expect(plan.take('GET', '/v1.0/users', ['throttle'])).toBeUndefined();
  });

  it('refuses faults it could not apply', () => {
    const plan = new FaultPlan();
    const add = (fault: unknown) => () => plan.add(fault as never);
    expect(add({ kind: 'error', status: 'abc', code: 'x', count: 1 })).toThrow('status');
    expect(add({ kind: 'error', status: 200, code: 'x', count: 1 })).toThrow('status');
    expect(add({ kind: 'explode', count: 1 })).toThrow('kind');
    expect(add({ kind: 'latency', ms: -1, count: 1 })).toThrow('ms');
    expect(add({ kind: 'throttle', retryAfterSeconds: 1, count: 0 })).toThrow('count');
    expect(add(null)).toThrow();
    expect(plan.list()).toEqual([]);
  });

  it('throttles by policy within a window and tells how long to wait', () => {
    const plan = new FaultPlan();
    plan.policy = { requests: 2, windowSeconds: 10 };
    expect(plan.overPolicy(1_000)).toBeUndefined();
    expect(plan.overPolicy(2_000)).toBeUndefined();
    expect(plan.overPolicy(3_000)).toBe(8);
    expect(plan.overPolicy(11_000)).toBeUndefined();
  });
});
