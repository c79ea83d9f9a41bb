// .NET regular expressions as Entra runs them, translated to JavaScript where the two differ.
// Named groups (?<name>…) and \k<name> are the same in both; the rest is rewritten below.

const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 200;

/** An invalid pattern, reported by the caller with the function's name. */
export class RegexSyntaxError extends Error {}

/**
 * Compiles a .NET pattern as a global JavaScript RegExp with match indices. Rewrites `(?'name'…)`
 * and `\k'name'` to the `<name>` forms, `\A` to `^`, `\Z` to "end, or before a final newline",
 * `\z` to `$`, and leading inline options `(?i)`, `(?m)`, `(?s)` to flags. Patterns using `\p{…}`
 * compile in Unicode mode.
 */
export function compileDotnetRegex(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached) return cached;
  let source = pattern;
  let flags = 'gd';
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline) {
    for (const f of new Set(inline[1])) {
      if (f === 'x') throw new RegexSyntaxError('the inline option (?x) is not supported');
      flags += f;
    }
    source = source.slice(inline[0].length);
  }
  source = source
    .replace(/\(\?'([A-Za-z_][A-Za-z0-9_]*)'/g, '(?<$1>')
    .replace(/\\k'([A-Za-z_][A-Za-z0-9_]*)'/g, '\\k<$1>')
    .replace(/(?<!\\)((?:\\\\)*)\\A/g, '$1^')
    .replace(/(?<!\\)((?:\\\\)*)\\Z/g, '$1(?=\\n?$)')
    .replace(/(?<!\\)((?:\\\\)*)\\z/g, '$1$');
  if (/\\[pP]\{/.test(source)) flags += 'u';
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch (error) {
    throw new RegexSyntaxError(error instanceof Error ? error.message : String(error));
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(pattern, regex);
  return regex;
}

/**
 * Expands a .NET replacement string for one match: `$$`, `$&`, `$0`…`$99`, `${number}`,
 * `${name}`, `` $` ``, `$'`, `$+` and `$_`. Anything that names no group stays literal, as in .NET.
 */
export function expandDotnetReplacement(replacement: string, match: RegExpExecArray, input: string): string {
  let out = '';
  let i = 0;
  const group = (key: string): string | undefined => {
    if (/^\d+$/.test(key)) {
      const n = Number(key);
      return n < match.length ? (match[n] ?? '') : undefined;
    }
    const groups = match.groups;
    return groups && Object.hasOwn(groups, key) ? (groups[key] ?? '') : undefined;
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
      out += match[0];
      i += 2;
    } else if (next === '`') {
      out += input.slice(0, match.index);
      i += 2;
    } else if (next === "'") {
      out += input.slice(match.index + match[0].length);
      i += 2;
    } else if (next === '_') {
      out += input;
      i += 2;
    } else if (next === '+') {
      out += match.length > 1 ? (match[match.length - 1] ?? '') : '';
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
