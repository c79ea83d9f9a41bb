import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_NAMES, expressionArbitrary } from './arbitraries.ts';
import { ExpressionEvaluationError, ExpressionSyntaxError } from './errors.ts';
import { type AttributeValue, evaluateExpression, IGNORED } from './evaluator.ts';
import { printExpression } from './printer.ts';

const text = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom(
    '',
    'True',
    'false',
    '0',
    '42',
    '-7',
    '2021-06-30+08:00',
    '8/25/2021 5:41:18 PM',
    'a-b_c',
    'Zoë',
    ' x ',
  ),
);
const attributeValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  text,
  fc.array(text, { maxLength: 3 }),
  fc.boolean(),
  fc.oneof(fc.integer({ min: -5, max: 1000 }), fc.double()),
  fc.constant(null),
  fc.constant(undefined),
);
const source = fc.dictionary(fc.constantFrom(...ATTRIBUTE_NAMES, 'MAIL', 'Country'), attributeValue, { maxKeys: 6 });

function isResult(value: unknown): boolean {
  if (value === IGNORED || value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

describe('evaluateExpression (property)', () => {
  it('returns a result or throws a typed expression error, for any expression over any source', () => {
    fc.assert(
      fc.property(expressionArbitrary(), source, fc.boolean(), (ast, attributes, viaText) => {
        const options = {
          now: () => new Date('2024-02-29T12:00:00Z'),
          newGuid: () => '00000000-0000-4000-8000-000000000000',
          random: () => 0.5,
          isUniqueValue: (v: string) => v.length % 2 === 0,
        };
        try {
          const result = evaluateExpression(viaText ? printExpression(ast) : ast, attributes, options);
          expect(isResult(result)).toBe(true);
        } catch (error) {
          if (!(error instanceof ExpressionEvaluationError || error instanceof ExpressionSyntaxError)) throw error;
          expect(error.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same result for an AST and for its printed text', () => {
    fc.assert(
      fc.property(expressionArbitrary(), source, (ast, attributes) => {
        const options = { now: () => new Date(0), newGuid: () => 'g', random: () => 0.25 };
        const run = (input: typeof ast | string) => {
          try {
            return { value: evaluateExpression(input, attributes, options) };
          } catch (error) {
            return { error: (error as Error).message.replace(/ at column \d+/g, '') };
          }
        };
        expect(run(printExpression(ast))).toEqual(run(ast));
      }),
      { numRuns: 200 },
    );
  });
});
