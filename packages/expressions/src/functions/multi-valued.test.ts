import { describe, expect, it } from 'vitest';
import { ev, evalError } from '../test-helpers.ts';

describe('SingleAppRoleAssignment', () => {
  it('returns the one assigned role (default ProfileName mapping)', () => {
    expect(ev('SingleAppRoleAssignment([appRoleAssignments])', { appRoleAssignments: ['Standard User'] })).toBe(
      'Standard User',
    );
    expect(ev('SingleAppRoleAssignment([appRoleAssignments])', { appRoleAssignments: 'Standard User' })).toBe(
      'Standard User',
    );
  });
  it('counts the same role reached directly and through a group once', () => {
    expect(ev('SingleAppRoleAssignment([appRoleAssignments])', { appRoleAssignments: ['Admin', 'Admin'] })).toBe(
      'Admin',
    );
  });
  it('yields null without assignments, so the default "Chatter Free User" applies', () => {
    expect(ev('SingleAppRoleAssignment([appRoleAssignments])', { appRoleAssignments: [] })).toBeNull();
    expect(ev('SingleAppRoleAssignment([appRoleAssignments])', {})).toBeNull();
  });
  it('refuses two distinct roles, naming both', () => {
    const error = evalError('SingleAppRoleAssignment([appRoleAssignments])', {
      appRoleAssignments: ['Standard User', 'System Administrator'],
    });
    expect(error.message).toBe(
      'SingleAppRoleAssignment at column 1: the user has 2 different app roles ("Standard User" and "System Administrator"), but the attribute mapping only supports provisioning one role',
    );
    expect(error.details.function).toBe('SingleAppRoleAssignment');
  });
});

describe('AppRoleAssignmentsComplex', () => {
  it('returns every distinct role', () => {
    expect(ev('AppRoleAssignmentsComplex([appRoleAssignments])', { appRoleAssignments: ['A', 'B', 'A'] })).toEqual([
      'A',
      'B',
    ]);
  });
});

describe('Item', () => {
  it('is 1-based; past the end yields null; index 0 fails', () => {
    const source = { proxyAddresses: ['SMTP:a@x', 'smtp:b@x'] };
    expect(ev('Item([proxyAddresses], 1)', source)).toBe('SMTP:a@x');
    expect(ev('Item([proxyAddresses], 2)', source)).toBe('smtp:b@x');
    expect(ev('Item([proxyAddresses], 3)', source)).toBeNull();
    expect(evalError('Item([proxyAddresses], 0)', source).message).toContain('index is 1-based');
  });
});

describe('Count and RemoveDuplicates', () => {
  it('counts values (as a string result)', () => {
    expect(ev('Count([p])', { p: ['a', 'b', 'c'] })).toBe('3');
    expect(ev('Count([p])', { p: 'a' })).toBe('1');
    expect(ev('Count([p])')).toBe('0');
  });
  it('removes later duplicates, case-sensitively', () => {
    expect(ev('RemoveDuplicates([proxyAddresses])', { proxyAddresses: ['a', 'A', 'a', 'b'] })).toEqual(['a', 'A', 'b']);
    expect(ev('RemoveDuplicates([missing])')).toBeNull();
  });
});
