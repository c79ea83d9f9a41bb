import { describe, expect, it } from 'vitest';
import { seedTenant } from './seed.ts';
import { testTenant } from './test-tenant.ts';

describe('seedTenant', () => {
  it('builds the same tenant from the same seed and another from another seed', () => {
    const snapshot = (seed: number) => {
      const tenant = testTenant();
      const result = seedTenant(tenant, { users: 200, seed });
      return {
        result,
        users: [...tenant.users.objects.values()].map((u) => ({ id: u.id, ...u.props, createdDateTime: undefined })),
      };
    };
    const a = snapshot(42);
    const b = snapshot(42);
    expect(b.users).toEqual(a.users);
    expect(b.result.groupIds).toEqual(a.result.groupIds);
    expect(snapshot(43).users[0]?.id).not.toBe(a.users[0]?.id);
  });

  it('makes realistic users: unique UPNs, some disabled, groups with members, some assigned and some not', () => {
    const tenant = testTenant();
    const { userIds, groupIds } = seedTenant(tenant, { users: 500, seed: 1 });
    const users = userIds.map((id) => tenant.users.objects.get(id)?.props ?? {});
    expect(new Set(users.map((u) => u['userPrincipalName'])).size).toBe(500);
    expect(users.some((u) => u['accountEnabled'] === false)).toBe(true);
    expect(users.every((u) => typeof u['department'] === 'string' && typeof u['employeeId'] === 'string')).toBe(true);
    expect(groupIds.every((id) => (tenant.groups.objects.get(id)?.members?.size ?? 0) > 0)).toBe(true);
    const assigned = new Set([...tenant.assignments.values()].map((a) => a.principalId));
    expect(userIds.some((id) => assigned.has(id))).toBe(true);
    expect(userIds.some((id) => !assigned.has(id))).toBe(true);
    expect(groupIds.some((id) => assigned.has(id))).toBe(true);
  });
});
