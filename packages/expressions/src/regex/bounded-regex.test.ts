import { describe, expect, it } from 'vitest';
import { compileDotnetRegex } from '../functions/dotnet-regex.ts';
import { MAX_BACKTRACKING_INPUT, RegexInputTooLongError, RegexRiskError, RegexSyntaxError } from './bounded-regex.ts';

describe('compileDotnetRegex', () => {
  it('runs what RE2 can run on RE2, in time linear in the input', () => {
    const re = compileDotnetRegex('^(?<n>(\\w+\\s?)+)$');
    expect(re.engine).toBe('re2');
    const text = `${'a'.repeat(30)}!`;
    const started = performance.now();
    expect(re.test(text)).toBe(false);
    expect(re.test('a'.repeat(100_000))).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('gives groups, names and spans as JavaScript does', () => {
    const re = compileDotnetRegex('(?<a>x)|(?<b>y)');
    const found = [...re.matches('zyx')].map((m) => [m.index, m.end, m.value, m.named('a'), m.named('b'), m.span('b')]);
    expect(found).toEqual([
      [1, 2, 'y', undefined, 'y', [1, 2]],
      [2, 3, 'x', 'x', undefined, undefined],
    ]);
    expect([...re.groupNames].sort()).toEqual(['a', 'b']);
    expect([...compileDotnetRegex('a*').matches('baaac')].map((m) => [m.index, m.end])).toEqual(
      [...'baaac'.matchAll(/a*/g)].map((m) => [m.index, m.index + m[0].length]),
    );
  });

  it('keeps .NET meanings RE2 spells differently: Unicode \\s, \\uXXXX, a leading ] in a class', () => {
    expect(compileDotnetRegex('a\\sb').test('a\u00a0b')).toBe(true);
    expect(compileDotnetRegex('a\\Sb').test('a\u00a0b')).toBe(false);
    expect(compileDotnetRegex('[\\s,]+').first('x \u2003,y')?.value).toBe(' \u2003,');
    expect(compileDotnetRegex('\\u00e9').test('café')).toBe(true);
    expect(compileDotnetRegex('[]a]+').first('x]a]')?.value).toBe(']a]');
    expect(compileDotnetRegex('(?i)\\Aabc').first('ABC abc')?.index).toBe(0);
  });

  it('runs back-references and lookaround on the backtracking engine, on bounded input', () => {
    const re = compileDotnetRegex('(?<c>.)\\k<c>');
    expect(re.engine).toBe('backtracking');
    expect(re.first('abccd')?.value).toBe('cc');
    expect(compileDotnetRegex('a\\Z').test('xa\n')).toBe(true);
    expect(() => re.test('x'.repeat(MAX_BACKTRACKING_INPUT + 1))).toThrow(RegexInputTooLongError);
  });

  it('refuses a pattern that needs the backtracking engine and could take exponential time there', () => {
    expect(() => compileDotnetRegex('^(\\w+\\s?)+(?=!)')).toThrow(RegexRiskError);
    expect(() => compileDotnetRegex('(?<c>a)(\\w+\\k<c>?)+$')).toThrow(/exponential time/);
  });

  it('reports a pattern neither engine compiles', () => {
    expect(() => compileDotnetRegex('(')).toThrow(RegexSyntaxError);
  });
});
