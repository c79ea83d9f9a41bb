import { describe, expect, it } from 'vitest';
import { findBacktrackingRisk } from './backtracking-risk.ts';

const risky = (p: string, strict = false) => findBacktrackingRisk(p, { strict }) !== null;

describe('findBacktrackingRisk', () => {
  it.each([
    ['^(?<n>(\\w+\\s?)+)$', 'the issue example'],
    ['(a+)+', 'a loop in a loop'],
    ['(a*)*b', 'star in star'],
    ['(\\s?\\w+)+', 'optional head'],
    ['(a|a)*', 'identical alternatives'],
    ['(\\w|\\d)+x', 'overlapping alternatives'],
    ['(.*,)+$', 'a loop that can swallow the separator'],
    ['(a{1,2})+b', 'a short variable loop in a loop'],
    ['(x\\w+\\s?\\w+)+', 'adjacent overlapping loops in a loop'],
    ['(?:a|b+)+c', 'a loop in one alternative'],
    ['(?i)(A+)+', 'case-insensitive'],
    ['([a-z]+)*@', 'a class loop in a loop'],
    ['(a+){10,}', 'counted outer loop'],
  ])('flags %s (%s)', (pattern) => {
    expect(risky(pattern)).toBe(true);
  });

  it.each([
    ['\\+(?<isdCode>\\d* )(?<phoneNumber>\\d{10})'],
    ['[()\\s-]+'],
    ['(?<Suffix>@(.)*)'],
    ['.*\\@contoso.com'],
    ['^(Sales|Support)$'],
    ['^[\\w.]+@([\\w-]+\\.)+[\\w-]{2,4}$'],
    ['(\\w+\\s)+'],
    ['([^,]*,)+'],
    ['(\\d{1,3}\\.){3}\\d{1,3}'],
    ['(a?b)+'],
    ['^(1[0-9]{6})$'],
    ["(?'first'a)"],
  ])('accepts %s', (pattern) => {
    expect(risky(pattern)).toBe(false);
  });

  it('reports where the problem is', () => {
    const risk = findBacktrackingRisk('^(?<n>(\\w+\\s?)+)$');
    expect(risk?.index).toBe(7);
    expect(risk?.message).toMatch(/nested quantifier: "\\w\+" can run on into the next repetition/);
  });

  it('in strict mode also flags adjacent loops over the same characters at the top level', () => {
    expect(risky('\\w+\\s?\\w+$')).toBe(false);
    expect(risky('\\w+\\s?\\w+$', true)).toBe(true);
    expect(risky('.*foo.*', true)).toBe(false);
  });

  it('flags a back-reference under a loop, and leaves unparsable patterns to the compiler', () => {
    expect(risky('(?<x>a)(\\k<x>)+')).toBe(true);
    expect(findBacktrackingRisk('(')).toBeNull();
  });
});
