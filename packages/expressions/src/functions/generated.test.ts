import { describe, expect, it } from 'vitest';
import { ev, evalError } from '../test-helpers.ts';

/** A deterministic stand-in for Math.random (a linear congruential generator). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe('Guid', () => {
  it('comes from the injected generator', () => {
    expect(ev('Guid()', {}, { newGuid: () => '00aa00aa-bb11-cc22-dd33-44ee44ee44ee' })).toBe(
      '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
    );
  });
  it('defaults to a random v4 GUID', () => {
    expect(ev('Guid()')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('RandomString', () => {
  it('makes 6 characters with 3 digits and 3 lower-case letters (reference example 1)', () => {
    const value = ev('RandomString(6,3,0,0,3)', {}, { random: seeded(1) }) as string;
    expect(value).toHaveLength(6);
    expect(value.replace(/\D/g, '')).toHaveLength(3);
    expect(value.replace(/[^a-z]/g, '')).toHaveLength(3);
  });
  it('honours minimums and avoids characters (reference example 2)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const value = ev('RandomString(10,2,2,2,1,"?,")', {}, { random: seeded(seed) }) as string;
      expect(value).toHaveLength(10);
      expect(value.replace(/\D/g, '').length).toBeGreaterThanOrEqual(2);
      expect(value.replace(/[A-Z]/g, '').length).toBeLessThanOrEqual(8);
      expect(value.replace(/[^a-z]/g, '').length).toBeGreaterThanOrEqual(1);
      expect(value.replace(/[A-Za-z0-9]/g, '').length).toBeGreaterThanOrEqual(2);
      expect(value).not.toMatch(/[?,]/);
    }
  });
  it('is reproducible with the same random source', () => {
    expect(ev('RandomString(12,1,1,1,1)', {}, { random: seeded(7) })).toBe(
      ev('RandomString(12,1,1,1,1)', {}, { random: seeded(7) }),
    );
  });
  it('refuses impossible requests', () => {
    expect(evalError('RandomString(300,0,0,0,0)').message).toContain('Length must be from 1 to 256');
    expect(evalError('RandomString(3,2,2,0,0)').message).toContain('more than Length 3');
    expect(evalError('RandomString(3,1,0,0,0,"0123456789")').message).toContain('leaves no digits');
  });
});

describe('SelectUniqueValue', () => {
  const expr = `SelectUniqueValue(
    Join("@", NormalizeDiacritics(StripSpaces(Join(".",  [PreferredFirstName], [PreferredLastName]))), "contoso.com"),
    Join("@", NormalizeDiacritics(StripSpaces(Join(".",  Mid([PreferredFirstName], 1, 1), [PreferredLastName]))), "contoso.com"),
    Join("@", NormalizeDiacritics(StripSpaces(Join(".",  Mid([PreferredFirstName], 1, 2), [PreferredLastName]))), "contoso.com")
  )`;
  const source = { PreferredFirstName: 'John', PreferredLastName: 'Smith' };
  it('returns the first value not yet taken (reference example)', () => {
    const taken = new Set<string>();
    const isUniqueValue = (v: string) => !taken.has(v);
    expect(ev(expr, source, { isUniqueValue })).toBe('John.Smith@contoso.com');
    taken.add('John.Smith@contoso.com');
    expect(ev(expr, source, { isUniqueValue })).toBe('J.Smith@contoso.com');
    taken.add('J.Smith@contoso.com');
    expect(ev(expr, source, { isUniqueValue })).toBe('Jo.Smith@contoso.com');
    taken.add('Jo.Smith@contoso.com');
    expect(evalError(expr, source, { isUniqueValue }).message).toContain('every candidate value is already taken');
  });
  it('fails without a uniqueness check, as Entra supports it only towards Active Directory', () => {
    expect(evalError(expr, source).message).toContain('only for provisioning to Active Directory');
  });
});
