import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expressionArbitrary } from './arbitraries.ts';
import { ExpressionSyntaxError } from './errors.ts';
import { tokenize } from './lexer.ts';
import { parseExpression } from './parser.ts';
import { printExpression } from './printer.ts';

describe('printExpression (property)', () => {
  it('prints text that parses back to a deep-equal AST', () => {
    fc.assert(
      fc.property(expressionArbitrary({ anyNames: true }), (ast) => {
        expect(parseExpression(printExpression(ast))).toEqual(ast);
      }),
      { numRuns: 300 },
    );
  });

  it('is a fixed point: printing a parsed print gives the same text', () => {
    fc.assert(
      fc.property(expressionArbitrary(), (ast) => {
        const text = printExpression(ast);
        expect(printExpression(parseExpression(text))).toBe(text);
      }),
      { numRuns: 100 },
    );
  });

  it('ignores white space between tokens', () => {
    const whitespace = fc
      .array(fc.constantFrom(' ', '\t', '\n', '\r\n', '\u00a0'), { maxLength: 3 })
      .map((w) => w.join(''));
    fc.assert(
      fc.property(expressionArbitrary({ anyNames: true }), fc.infiniteStream(whitespace), (ast, spaces) => {
        const text = printExpression(ast);
        const tokens = tokenize(text);
        const pieces = tokens.slice(0, -1).map((t, i) => text.slice(t.column - 1, tokens[i + 1]!.column - 1).trimEnd());
        const spaced = pieces.map((piece) => spaces.next().value + piece).join('') + spaces.next().value;
        expect(parseExpression(spaced)).toEqual(ast);
      }),
      { numRuns: 150 },
    );
  });

  it('parses any text or refuses it with an ExpressionSyntaxError only', () => {
    const alphabet = fc.constantFrom(...'[]()",=<>&Hh-1 0.aMid\\vbIIF'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: alphabet, maxLength: 40 })), (text) => {
        try {
          parseExpression(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionSyntaxError);
          expect((error as ExpressionSyntaxError).details.column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });
});
