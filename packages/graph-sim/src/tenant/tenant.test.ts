import { describe, expect, it } from 'vitest';
import { testTenant } from '../test-tenant.ts';
import { DEFAULT_ACCESS_ROLE_ID } from './tenant.ts';

describe('Tenant', () => {
  it('keeps userPrincipalName unique, also across restore', () => {
    const tenant = testTenant();
    tenant.createUser('a', { userPrincipalName: 'Ann@x' });
    expect(() => tenant.createUser('b', { userPrincipalName: 'ann@x' })).toThrow('Another object with the same value');
  });

  it('soft-deletes Microsoft 365 groups and deletes security groups permanently', () => {
    const tenant = testTenant();
    tenant.createGroup('m365', { displayName: 'M', groupTypes: ['Unified'] });
    tenant.createGroup('sec', { displayName: 'S', groupTypes: [] });
    tenant.delete('group', 'm365');
    tenant.delete('group', 'sec');
    expect(tenant.groups.objects.get('m365')?.deletedDateTime).toMatch(/Z$/);
    expect(tenant.groups.objects.has('sec')).toBe(false);
    expect(tenant.groups.tombstones.has('sec')).toBe(true);
  });

  it('hides the assignments of a soft-deleted user and drops them on permanent deletion', () => {
    const tenant = testTenant();
    const u = '22222222-2222-4222-8222-222222222222';
    tenant.createUser(u, { userPrincipalName: 'u@x', displayName: 'U' });
    tenant.assign(u, DEFAULT_ACCESS_ROLE_ID, 'sp');
    expect([...tenant.visibleAssignments()]).toHaveLength(1);
    tenant.delete('user', u);
    expect([...tenant.visibleAssignments()]).toHaveLength(0);
    tenant.restore(u);
    expect([...tenant.visibleAssignments()]).toHaveLength(1);
    tenant.delete('user', u);
    tenant.purge(u);
    expect(tenant.assignments.size).toBe(0);
  });

  it('refuses to remove an enabled app role, accepts removing a disabled one', () => {
    const tenant = testTenant();
    const [first, ...rest] = tenant.application.appRoles;
    expect(() => tenant.setAppRoles(rest)).toThrow('disabled first');
    tenant.setAppRoles([{ ...first, isEnabled: false }, ...rest]);
    tenant.setAppRoles(rest);
    expect(tenant.application.appRoles).toHaveLength(rest.length);
  });
});
