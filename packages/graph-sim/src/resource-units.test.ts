import { describe, expect, it } from 'vitest';
import { ResourceUnitBucket, resourceUnitCost, tenantLimit } from './resource-units.ts';

describe('resource units', () => {
  it('sizes the bucket by tenant: 3,500 under 50 users, 5,000 up to 500, 8,000 above', () => {
    expect([tenantLimit(49), tenantLimit(50), tenantLimit(500), tenantLimit(501)]).toEqual([
      3_500, 5_000, 5_000, 8_000,
    ]);
  });

  it('prices requests as the throttling doc does', () => {
    expect(resourceUnitCost('GET', '/v1.0/users?$top=5')).toBe(2);
    expect(resourceUnitCost('GET', '/v1.0/users/delta?$deltatoken=x')).toBe(2);
    expect(resourceUnitCost('GET', '/v1.0/groups/g1/members')).toBe(3);
    expect(resourceUnitCost('GET', '/v1.0/servicePrincipals/s1/appRoleAssignments')).toBe(2);
    expect(resourceUnitCost('GET', '/v1.0/users/u1')).toBe(1);
    expect(resourceUnitCost('PATCH', '/v1.0/users/u1')).toBe(1);
  });

  it('warns from 80 % used, refuses an empty bucket with the wait until the cost refilled', () => {
    const bucket = new ResourceUnitBucket();
    bucket.enabled = true;
    expect(bucket.admit(3, 10, 0)).toEqual({ ok: true, cost: 3, limitPercentage: undefined });
    expect(bucket.admit(2_797, 10, 0)).toEqual({ ok: true, cost: 2_797, limitPercentage: 0.8 });
    expect(bucket.admit(700, 10, 0)).toEqual({ ok: true, cost: 700, limitPercentage: 1 });
    // Empty: 350 units refill per second; 700 units need 2 s.
    expect(bucket.admit(700, 10, 0)).toEqual({ ok: false, cost: 700, retryAfterSeconds: 2 });
    expect(bucket.admit(700, 10, 2_000)).toMatchObject({ ok: true });
  });

  it('admits everything while disabled (the default)', () => {
    expect(new ResourceUnitBucket().admit(1_000_000, 10, 0)).toMatchObject({ ok: true });
  });
});
