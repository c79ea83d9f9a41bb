import { describe, expect, it } from 'vitest';
import { fieldDiff, ROLE_DEVELOPER_NAME_FIELD } from './diff.ts';

describe('the role in the field diff', () => {
  const current = { UserRoleName: 'Sales Rep', [ROLE_DEVELOPER_NAME_FIELD]: 'Sales_Rep' };

  it('takes a role named by DeveloperName as the role Salesforce names by its Name', () => {
    expect(fieldDiff({ UserRoleName: 'Sales_Rep' }, current).fields).toEqual({});
    expect(fieldDiff({ UserRoleName: 'Sales Rep' }, current).fields).toEqual({});
  });

  it('still changes or clears the role, with the Name as the old value', () => {
    expect(fieldDiff({ UserRoleName: 'CEO' }, current).modified).toEqual([
      { name: 'UserRoleName', oldValue: 'Sales Rep', newValue: 'CEO' },
    ]);
    expect(fieldDiff({ UserRoleName: null }, current).modified).toEqual([
      { name: 'UserRoleName', oldValue: 'Sales Rep', newValue: null },
    ]);
  });
});
