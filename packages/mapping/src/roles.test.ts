import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCESS_ROLE_ID, resolveRole } from './roles.ts';
import { ADMIN_ROLE_ID, ADMINS_GROUP, direct, entraUser, SALES_GROUP, viaGroup } from './test-fixtures.ts';

describe('resolveRole', () => {
  it('takes the role of a direct assignment', () => {
    expect(resolveRole(entraUser(), [direct('Standard User')])).toEqual({
      kind: 'role',
      role: 'Standard User',
      via: ['direct assignment'],
    });
  });

  it('takes the role of a group the user is a direct member of', () => {
    const r = resolveRole(entraUser(), [viaGroup(SALES_GROUP, 'Standard User')]);
    expect(r).toMatchObject({ kind: 'role', role: 'Standard User', via: [`group ${SALES_GROUP}`] });
  });

  it('ignores groups the user is not a direct member of (nested groups are not expanded)', () => {
    expect(resolveRole(entraUser(), [viaGroup(ADMINS_GROUP, 'System Administrator')])).toEqual({ kind: 'unassigned' });
  });

  it('ignores assignments of other users', () => {
    const other = { ...direct('Standard User'), principalId: 'someone-else' };
    expect(resolveRole(entraUser(), [other])).toEqual({ kind: 'unassigned' });
  });

  it('reports Default Access alone, whether spelt null, by name, or by the all-zero role id', () => {
    for (const a of [direct(null), direct('Default Access'), direct('x', DEFAULT_ACCESS_ROLE_ID)]) {
      expect(resolveRole(entraUser(), [a]).kind).toBe('default-access');
    }
  });

  it('lets a real role win over Default Access', () => {
    expect(resolveRole(entraUser(), [direct(null), viaGroup(SALES_GROUP, 'Standard User')])).toMatchObject({
      kind: 'role',
      role: 'Standard User',
    });
  });

  it('counts the same role through two paths as one role', () => {
    const r = resolveRole(entraUser(), [direct('Standard User'), viaGroup(SALES_GROUP, 'Standard User')]);
    expect(r).toMatchObject({ kind: 'role', role: 'Standard User' });
  });

  it('reports two distinct roles as a conflict naming both and where they come from', () => {
    const user = entraUser({ memberOf: [SALES_GROUP, ADMINS_GROUP] });
    const r = resolveRole(user, [
      viaGroup(SALES_GROUP, 'Standard User'),
      { ...viaGroup(ADMINS_GROUP, 'System Administrator', ADMIN_ROLE_ID), principalDisplayName: 'Admins' },
    ]);
    expect(r.kind).toBe('conflict');
    if (r.kind !== 'conflict') return;
    expect(r.message).toContain(`"Standard User" (group ${SALES_GROUP})`);
    expect(r.message).toContain(`"System Administrator" (group "Admins" (${ADMINS_GROUP}))`);
    expect(r.message).toContain('only one role');
  });

  it('gives the same conflict whatever the order of the assignments', () => {
    const user = entraUser();
    const a = [direct('B role'), viaGroup(SALES_GROUP, 'A role')];
    expect(resolveRole(user, a)).toEqual(resolveRole(user, [...a].reverse()));
  });
});

describe('resolveRole under the multipleRoles policy', () => {
  const user = entraUser({ memberOf: [SALES_GROUP, ADMINS_GROUP] });
  const both = [viaGroup(SALES_GROUP, 'Standard User'), viaGroup(ADMINS_GROUP, 'System Administrator', ADMIN_ROLE_ID)];

  it('lets the first listed role win under precedence, naming the role that lost', () => {
    const r = resolveRole(user, both, { policy: 'precedence', precedence: ['Standard User', 'System Administrator'] });
    expect(r).toEqual({
      kind: 'role',
      role: 'Standard User',
      via: [`group ${SALES_GROUP}`],
      overruled: [{ role: 'System Administrator', via: [`group ${ADMINS_GROUP}`] }],
    });
    const reversed = resolveRole(user, both, {
      policy: 'precedence',
      precedence: ['System Administrator', 'Standard User'],
    });
    expect(reversed).toMatchObject({ kind: 'role', role: 'System Administrator' });
  });

  it('lets a listed role win over an unlisted one, and reports a conflict when none is listed', () => {
    expect(resolveRole(user, both, { policy: 'precedence', precedence: ['System Administrator'] })).toMatchObject({
      kind: 'role',
      role: 'System Administrator',
    });
    const none = resolveRole(user, both, { policy: 'precedence', precedence: ['Chatter Free User'] });
    expect(none.kind).toBe('conflict');
    if (none.kind === 'conflict') expect(none.message).toContain('None of these roles is in multipleRoles.precedence');
  });

  it('refuses two roles under refuse, naming both', () => {
    const r = resolveRole(user, both, { policy: 'refuse', precedence: [] });
    expect(r.kind).toBe('refused');
    if (r.kind === 'refused') expect(r.message).toMatch(/"Standard User".*"System Administrator".*policy: refuse/);
  });

  it('leaves a single role alone whatever the policy', () => {
    for (const policy of ['conflict', 'precedence', 'refuse'] as const) {
      const r = resolveRole(user, [both[0] as (typeof both)[number]], { policy, precedence: ['System Administrator'] });
      expect(r).toEqual({ kind: 'role', role: 'Standard User', via: [`group ${SALES_GROUP}`] });
    }
  });
});
