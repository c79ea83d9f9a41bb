// .NET regular expressions as Entra runs them, translated for RE2 and for JavaScript where the
// syntaxes differ, and compiled with a bound on matching time (../regex/bounded-regex.ts).

import { RE2JS } from 're2js';
import { type BoundedRegex, compileBounded, type RegexMatch, RegexSyntaxError } from '../regex/bounded-regex.ts';

export { RegexInputTooLongError, RegexRiskError, RegexSyntaxError } from '../regex/bounded-regex.ts';

const cache = new Map<string, BoundedRegex>();
const CACHE_LIMIT = 200;

// .NET's \s is Unicode white space; RE2's is ASCII only.
const RE2_SPACE =
  '\\t\\n\\x{0B}\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';

/**
 * Compiles a .NET pattern. Rewrites `(?'name'…)` and `\k'name'` to the `<name>` forms, leading
 * inline options `(?i)`, `(?m)`, `(?s)` to flags, and, for JavaScript, `\A` to `^`, `\Z` to "end,
 * or before a final newline", `\z` to `$` (RE2 knows `\A` and `\z`). Patterns using `\p{…}`
 * compile in Unicode mode. Matching time is bounded: see `compileBounded`.
 *
 * @throws RegexSyntaxError when the pattern does not compile, RegexRiskError (a subclass) when it
 *   needs the backtracking engine and could take exponential time there.
 */
export function compileDotnetRegex(pattern: string): BoundedRegex {
  const cached = cache.get(pattern);
  if (cached) return cached;
  let source = pattern;
  let jsFlags = 'gd';
  let re2Flags = 0;
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline) {
    for (const f of new Set(inline[1])) {
      if (f === 'x') throw new RegexSyntaxError('the inline option (?x) is not supported');
      jsFlags += f;
      re2Flags |= f === 'i' ? RE2JS.CASE_INSENSITIVE : f === 'm' ? RE2JS.MULTILINE : RE2JS.DOTALL;
    }
    source = source.slice(inline[0].length);
  }
  source = source
    .replace(/\(\?'([A-Za-z_][A-Za-z0-9_]*)'/g, '(?<$1>')
    .replace(/\\k'([A-Za-z_][A-Za-z0-9_]*)'/g, '\\k<$1>');
  const js = source
    .replace(/(?<!\\)((?:\\\\)*)\\A/g, '$1^')
    .replace(/(?<!\\)((?:\\\\)*)\\Z/g, '$1(?=\\n?$)')
    .replace(/(?<!\\)((?:\\\\)*)\\z/g, '$1$');
  if (/\\[pP]\{/.test(js)) jsFlags += 'u';
  const re2 = toRe2(source);
  const regex = compileBounded({ re2, re2Flags, js, jsFlags });
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(pattern, regex);
  return regex;
}

// RE2 spells \uXXXX as \x{XXXX}, and its \s is ASCII only: widened to .NET's Unicode white space.
function toRe2(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      const hex = source.slice(i + 2, i + 6);
      if (next === 'u' && /^[0-9A-Fa-f]{4}$/.test(hex)) {
        out += `\\x{${hex}}`;
        i += 5;
      } else if (next === 's') {
        out += inClass ? RE2_SPACE : `[${RE2_SPACE}]`;
        i++;
      } else if (next === 'S' && !inClass) {
        out += `[^${RE2_SPACE}]`;
        i++;
      } else {
        out += c + next;
        i++;
      }
    } else if (c === '[' && !inClass) {
      inClass = true;
      out += c;
      if (source[i + 1] === '^') out += source[++i];
      // .NET reads a ] right after the opening bracket as a member.
      if (source[i + 1] === ']') {
        out += '\\]';
        i++;
      }
    } else {
      if (c === ']') inClass = false;
      out += c;
    }
  }
  return out;
}

/**
 * Expands a .NET replacement string for one match: `$$`, `$&`, `$0`…`$99`, `${number}`,
 * `${name}`, `` $` ``, `$'`, `$+` and `$_`. Anything that names no group stays literal, as in .NET.
 */
export function expandDotnetReplacement(
  replacement: string,
  match: RegexMatch,
  groupNames: ReadonlySet<string>,
  input: string,
): string {
  let out = '';
  let i = 0;
  const group = (key: string): string | undefined => {
    if (/^\d+$/.test(key)) {
      const n = Number(key);
      return n <= match.groupCount ? (match.group(n) ?? '') : undefined;
    }
    return groupNames.has(key) ? (match.named(key) ?? '') : undefined;
  };
  while (i < replacement.length) {
    const ch = replacement[i]!;
    const next = replacement[i + 1];
    if (ch !== '$' || next === undefined) {
      out += ch;
      i++;
      continue;
    }
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '&') {
      out += match.value;
      i += 2;
    } else if (next === '`') {
      out += input.slice(0, match.index);
      i += 2;
    } else if (next === "'") {
      out += input.slice(match.end);
      i += 2;
    } else if (next === '_') {
      out += input;
      i += 2;
    } else if (next === '+') {
      out += match.groupCount > 0 ? (match.group(match.groupCount) ?? '') : '';
      i += 2;
    } else if (next === '{') {
      const close = replacement.indexOf('}', i + 2);
      const value = close < 0 ? undefined : group(replacement.slice(i + 2, close));
      if (value === undefined) {
        out += ch;
        i++;
      } else {
        out += value;
        i = close + 1;
      }
    } else if (/\d/.test(next)) {
      // The longest run of digits that names a group, as .NET reads $10 when there are 10 groups.
      const digits = /^\d+/.exec(replacement.slice(i + 1))![0];
      let len = digits.length;
      while (len > 0 && group(digits.slice(0, len)) === undefined) len--;
      if (len === 0) {
        out += ch;
        i++;
      } else {
        out += group(digits.slice(0, len));
        i += 1 + len;
      }
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}
