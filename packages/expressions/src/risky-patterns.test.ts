import { describe, expect, it } from 'vitest';
import { parseExpression } from './parser.ts';
import { findRiskyPatterns } from './risky-patterns.ts';

describe('findRiskyPatterns', () => {
  it('locates a catastrophic Replace pattern by the column of its string constant', () => {
    const text = 'Replace([displayName], , "^(?<n>(\\w+\\s?)+)$", , "x", , )';
    expect(findRiskyPatterns(parseExpression(text))).toEqual([
      {
        column: 26,
        pattern: '^(?<n>(\\w+\\s?)+)$',
        message: expect.stringMatching(
          /^Replace regexPattern ".*" could take exponential time to match: nested quantifier: "\\w\+" .* \(character 8 of the pattern\)$/,
        ),
      },
    ]);
  });

  it('finds patterns nested in other calls and comparisons, and passes safe ones', () => {
    const nested = 'IIF(Replace([a], , "(a|a)*", , "", , )="", "x", Join(",", Replace([b], , "(b+)+", , "", , )))';
    expect(findRiskyPatterns(parseExpression(nested)).map((r) => r.pattern)).toEqual(['(a|a)*', '(b+)+']);
    const safe = 'Replace([mobile], , "[()\\s-]+", , "", , )';
    expect(findRiskyPatterns(parseExpression(safe))).toEqual([]);
  });
});
