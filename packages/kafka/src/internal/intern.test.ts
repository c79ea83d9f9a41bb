import { describe, expect, it } from 'vitest';
import { Interner } from './intern.ts';

describe('Interner', () => {
  it('walks objects and arrays in place with equal values, and leaves buffers and long strings alone', () => {
    const interner = new Interner();
    const buffer = Buffer.from('x');
    const long = 'y'.repeat(100);
    const parsed = JSON.parse('{"tz":"America/Los_Angeles","list":["a","b",{"n":1,"s":"Standard User"}],"nil":null}');
    const event = { ...parsed, buffer, long };
    const out = interner.intern(event);
    expect(out).toBe(event);
    expect(out).toEqual({
      tz: 'America/Los_Angeles',
      list: ['a', 'b', { n: 1, s: 'Standard User' }],
      nil: null,
      buffer,
      long,
    });
    expect(out.buffer).toBe(buffer);
    // The short strings are known, the long one is not.
    expect(interner.size).toBe(4);
  });

  it('keeps one instance per value however many messages carry it, and stays bounded', () => {
    const interner = new Interner();
    for (let i = 0; i < 1_000; i++) interner.intern(JSON.parse('{"enc":"ISO-8859-1","tz":"America/Los_Angeles"}'));
    expect(interner.size).toBe(2);
    for (let i = 0; i < 25_000; i++) interner.intern(`id-${i}`);
    expect(interner.size).toBeLessThanOrEqual(20_000);
  });
});
