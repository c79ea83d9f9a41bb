import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCESS_ROLE_ID, diffAssignments, groupRolesOf, roleResolver } from './assignments.ts';
import type { Assignment } from './ports.ts';

const a = (
  id: string,
  principalId: string,
  appRoleId: string,
  principalType: Assignment['principalType'] = 'User',
) => ({
  id,
  principalId,
  principalType,
  appRoleId,
});
const map = (...list: Assignment[]) => new Map(list.map((x) => [x.id, x]));

describe('diffAssignments', () => {
  it('finds added and removed assignments', () => {
    const diff = diffAssignments(
      map(a('1', 'u1', 'r1'), a('2', 'u2', 'r1')),
      map(a('2', 'u2', 'r1'), a('3', 'g1', 'r2', 'Group')),
    );
    expect(diff.added.map((x) => x.id)).toEqual(['3']);
    expect(diff.removed.map((x) => x.id)).toEqual(['1']);
  });

  it('counts an assignment whose role changed under the same id as removed and added', () => {
    const diff = diffAssignments(map(a('1', 'u1', 'r1')), map(a('1', 'u1', 'r2')));
    expect(diff.added).toEqual([a('1', 'u1', 'r2')]);
    expect(diff.removed).toEqual([a('1', 'u1', 'r1')]);
  });

  it('finds nothing between equal snapshots', () => {
    expect(diffAssignments(map(a('1', 'u1', 'r1')), map(a('1', 'u1', 'r1')))).toEqual({ added: [], removed: [] });
  });
});

describe('roles', () => {
  it('resolves role values case-insensitively, Default Access and unknown roles to null', () => {
    const roleOf = roleResolver([{ id: 'ABC', value: 'Standard User' }]);
    expect(roleOf('abc')).toEqual({ appRoleId: 'abc', roleValue: 'Standard User' });
    expect(roleOf(DEFAULT_ACCESS_ROLE_ID)).toEqual({ appRoleId: DEFAULT_ACCESS_ROLE_ID, roleValue: null });
    expect(roleOf('nope').roleValue).toBeNull();
  });

  it('collects each group roles once, ignoring user assignments', () => {
    const roleOf = roleResolver([{ id: 'r1', value: 'A' }]);
    const roles = groupRolesOf([a('1', 'g1', 'r1', 'Group'), a('2', 'g1', 'r1', 'Group'), a('3', 'u1', 'r1')], roleOf);
    expect([...roles]).toEqual([['g1', [{ appRoleId: 'r1', roleValue: 'A' }]]]);
  });
});
