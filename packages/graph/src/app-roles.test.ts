import { describe, expect, it } from 'vitest';
import { isOwnedRole, planAppRoles, roleIdFor } from './app-roles.ts';
import type { AppRole } from './types.ts';

const foreign: AppRole = {
  id: '11111111-1111-4111-8111-111111111111',
  value: 'Admin',
  displayName: 'Admin',
  description: 'made by hand',
  isEnabled: true,
  allowedMemberTypes: ['User'],
};

describe('roleIdFor', () => {
  it('gives the same UUID v5 for the same value, a different one for another value', () => {
    expect(roleIdFor('Standard User')).toBe(roleIdFor('Standard User'));
    expect(roleIdFor('Standard User')).not.toBe(roleIdFor('Standard user'));
    expect(roleIdFor('Standard User')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('planAppRoles', () => {
  it('adds missing roles with name-based ids and leaves foreign roles alone', () => {
    const plan = planAppRoles([foreign], [{ value: 'Standard User' }]);
    expect(plan.added).toEqual(['Standard User']);
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]).toEqual([
      foreign,
      expect.objectContaining({ id: roleIdFor('Standard User'), value: 'Standard User', isEnabled: true }),
    ]);
  });

  it('reuses an existing role with the same value, keeping its id', () => {
    const plan = planAppRoles([foreign], [{ value: 'Admin', displayName: 'Administrator' }]);
    expect(plan.steps).toEqual([[{ ...foreign, displayName: 'Administrator' }]]);
    expect(plan).toMatchObject({ added: [], updated: ['Admin'], removed: [] });
  });

  it('does nothing when the roles are already published', () => {
    const first = planAppRoles([], [{ value: 'Standard User' }]);
    const again = planAppRoles(first.steps[0] ?? [], [{ value: 'Standard User' }]);
    expect(again.steps).toEqual([]);
  });

  it('disables an owned role before removing it, and never removes a foreign one', () => {
    const owned = planAppRoles([], [{ value: 'Old Profile' }]).steps[0] ?? [];
    const plan = planAppRoles([foreign, ...owned], []);
    expect(plan.removed).toEqual(['Old Profile']);
    expect(plan.steps).toHaveLength(2);
    expect(plan.steps[0]).toEqual([foreign, expect.objectContaining({ value: 'Old Profile', isEnabled: false })]);
    expect(plan.steps[1]).toEqual([foreign]);
    expect(isOwnedRole(owned[0] as AppRole)).toBe(true);
    expect(isOwnedRole(foreign)).toBe(false);
  });
});
