import { parseSoql } from '@provision/salesforce-sim';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkInQueries, soqlString } from './soql.ts';

describe('soqlString', () => {
  it('escapes quotes, backslashes and control characters', () => {
    expect(soqlString("O'Brien")).toBe("'O\\'Brien'");
    expect(soqlString('a\\b\n"c')).toBe("'a\\\\b\\n\\\"c'");
  });
});

describe('chunkInQueries', () => {
  it('keeps every statement under the encoded length and every value exactly once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 60 }), { maxLength: 300 }),
        fc.integer({ min: 400, max: 3000 }),
        (values, max) => {
          const statements = chunkInQueries('SELECT Id FROM User', 'Username', values, max);
          for (const s of statements) expect(encodeURIComponent(s).length).toBeLessThanOrEqual(max);
          // Parsed back with the simulator's SOQL parser, the statements carry each value once, unaltered.
          const sent = statements.flatMap((s) => (parseSoql(s).where as unknown as { values: string[] }).values);
          expect(new Set(sent.map((v) => v.toLowerCase()))).toEqual(new Set(values.map((v) => v.toLowerCase())));
          expect(sent).toHaveLength(new Set(values.map((v) => v.toLowerCase())).size);
        },
      ),
    );
  });

  it('sends one statement when everything fits', () => {
    expect(chunkInQueries('SELECT Id FROM User', 'Username', ['a@x.com', 'b@x.com'], 10_000)).toEqual([
      "SELECT Id FROM User WHERE Username IN ('a@x.com','b@x.com')",
    ]);
  });
});
