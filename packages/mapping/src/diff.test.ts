import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffFields, modifiedProperties, sameValue } from './diff.ts';
import type { CurrentSalesforceUser, SalesforceFieldValue } from './types.ts';

const sf = (fields: Record<string, SalesforceFieldValue>): CurrentSalesforceUser => ({
  Id: '005x',
  IsActive: true,
  ...fields,
});

describe('sameValue', () => {
  it('compares Username and Email case-insensitively, other fields case-sensitively', () => {
    expect(sameValue('Username', 'Ada@Contoso.com', 'ada@contoso.com')).toBe(true);
    expect(sameValue('Email', 'ADA@contoso.com', 'ada@contoso.com')).toBe(true);
    expect(sameValue('LastName', 'lovelace', 'Lovelace')).toBe(false);
    expect(sameValue('Alias', 'Ada.Love', 'ada.love')).toBe(false);
  });

  it('takes Booleans and their text as equal, and an absent field as null', () => {
    expect(sameValue('IsActive', true, 'true')).toBe(true);
    expect(sameValue('UserPermissionsMarketingUser', false, undefined)).toBe(false);
    expect(sameValue('UserRoleName', null, undefined)).toBe(true);
  });

  it('compares multi-valued fields as sets', () => {
    expect(sameValue('PermissionSets', ['a', 'b'], ['b', 'a'])).toBe(true);
    expect(sameValue('PermissionSets', ['a'], ['a', 'b'])).toBe(false);
  });
});

describe('diffFields', () => {
  it('keeps only the fields whose value changed', () => {
    const current = sf({ FirstName: 'Ada', LastName: 'Byron', Email: 'ADA@contoso.com' });
    expect(diffFields({ FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@contoso.com' }, current)).toEqual({
      LastName: 'Lovelace',
    });
  });

  it('lists old and new values as modified properties', () => {
    expect(modifiedProperties({ LastName: 'Lovelace', Title: 'Countess' }, sf({ LastName: 'Byron' }))).toEqual([
      { name: 'LastName', oldValue: 'Byron', newValue: 'Lovelace' },
      { name: 'Title', oldValue: null, newValue: 'Countess' },
    ]);
  });

  const fieldName = fc.constantFrom(
    'Username',
    'Email',
    'FirstName',
    'LastName',
    'IsActive',
    'Title',
    'PermissionSets',
  );
  const value: fc.Arbitrary<SalesforceFieldValue> = fc.oneof(
    fc.string({ maxLength: 4, unit: fc.constantFrom('a', 'A', 'b', 'B') }),
    fc.boolean(),
    fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 }),
  );
  const fields = fc.dictionary(fieldName, value, { maxKeys: 7 });

  it('property: the diff is a subset of the desired fields, each really different', () => {
    fc.assert(
      fc.property(fields, fields, (desired, current) => {
        const picture = sf(current);
        const diff = diffFields(desired, picture);
        for (const [k, v] of Object.entries(diff)) {
          expect(desired[k]).toEqual(v);
          expect(sameValue(k, v, picture[k])).toBe(false);
        }
        for (const k of Object.keys(desired)) {
          if (!(k in diff)) expect(sameValue(k, desired[k] ?? null, picture[k])).toBe(true);
        }
      }),
    );
  });

  it('property: applying the diff leaves nothing to change', () => {
    fc.assert(
      fc.property(fields, fields, (desired, current) => {
        const after = sf({ ...current, ...diffFields(desired, sf(current)) });
        expect(diffFields(desired, after)).toEqual({});
      }),
    );
  });
});
