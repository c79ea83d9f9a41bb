import { describe, expect, it } from 'vitest';
import { IdFactory, idSuffix, isIdShaped, to18 } from './ids.ts';

describe('Salesforce ids', () => {
  it('computes the case-safe suffix of a 15-character id', () => {
    expect(idSuffix('0015000000Gv7qJ')).toBe('AAR');
    expect(to18('0015000000Gv7qJ')).toBe('0015000000Gv7qJAAR');
    expect(to18('0015000000Gv7qJAAR')).toBe('0015000000Gv7qJAAR');
  });

  it('issues 18-character ids with the key prefix, and siblings that share the counter', () => {
    const ids = new IdFactory('5g');
    const user = ids.next('005');
    expect(user).toMatch(/^0055g[0-9A-Za-z]{13}$/);
    expect(to18(user)).toBe(user);
    expect(ids.next('005')).not.toBe(user);
    expect(ids.sibling('06c', user).slice(3, 15)).toBe(user.slice(3, 15));
    expect(isIdShaped('not an id')).toBe(false);
  });
});
