import { RE2JS } from 're2js';
import { findBacktrackingRisk } from './backtracking-risk.ts';

/** One match of a `BoundedRegex`, with its groups. */
export interface RegexMatch {
  /** Where the match starts and ends (UTF-16 offsets, end exclusive). */
  readonly index: number;
  readonly end: number;
  readonly value: string;
  /** How many numbered groups the pattern has (the whole match, group 0, not counted). */
  readonly groupCount: number;
  /** Group n's text; undefined when it took no part in the match or does not exist. */
  group(n: number): string | undefined;
  /** A named group's text; undefined when it took no part in the match or does not exist. */
  named(name: string): string | undefined;
  /** A named group's [start, end); undefined when it took no part in the match. */
  span(name: string): readonly [number, number] | undefined;
}

/** A compiled pattern whose matching time is bounded (see `compileBounded`). */
export interface BoundedRegex {
  /** `re2`: linear time. `backtracking`: checked for catastrophic backtracking, input length capped. */
  readonly engine: 're2' | 'backtracking';
  readonly groupNames: ReadonlySet<string>;
  /** Every non-overlapping match, left to right, as `String.prototype.matchAll` finds them. */
  matches(text: string): Iterable<RegexMatch>;
  first(text: string): RegexMatch | null;
  test(text: string): boolean;
}

/** The longest text a pattern that needs the backtracking engine is run on. */
export const MAX_BACKTRACKING_INPUT = 1024;

/** A pattern that does not compile. */
export class RegexSyntaxError extends Error {}

/** A pattern refused because a backtracking engine could take exponential time on it. */
export class RegexRiskError extends RegexSyntaxError {}

/** A text too long for a pattern that needs the backtracking engine. */
export class RegexInputTooLongError extends Error {}

/** Both spellings of one pattern: for RE2, and for JavaScript's RegExp with its flags. */
export interface PatternForms {
  readonly re2: string;
  readonly re2Flags: number;
  readonly js: string;
  readonly jsFlags: string;
}

/**
 * Compiles a pattern so that no input can make it run for long. RE2 (re2js, a pure JavaScript
 * port) matches in time linear in the input, whatever the pattern, so every pattern it accepts
 * runs there. RE2 has no back-references or lookaround; a pattern that needs them runs on
 * JavaScript's backtracking RegExp, but only when the strict check finds no nested or adjacent
 * overlapping quantifier, and only on texts up to `MAX_BACKTRACKING_INPUT` characters.
 */
export function compileBounded(forms: PatternForms): BoundedRegex {
  let re2: RE2JS | null = null;
  try {
    re2 = RE2JS.compile(forms.re2, forms.re2Flags);
  } catch {
    // Not RE2 syntax: the backtracking engine may still take it, checked, below.
  }
  if (re2) return re2Regex(re2);
  let native: RegExp;
  try {
    native = new RegExp(forms.js, forms.jsFlags);
  } catch (error) {
    throw new RegexSyntaxError(error instanceof Error ? error.message : String(error));
  }
  const risk = findBacktrackingRisk(forms.js, { strict: true });
  if (risk) {
    throw new RegexRiskError(
      `it could take exponential time to match (${risk.message}, at character ${risk.index + 1})`,
    );
  }
  return nativeRegex(native);
}

function re2Regex(re: RE2JS): BoundedRegex {
  const names = re.namedGroups();
  const groupCount = re.groupCount();
  const snapshot = (m: ReturnType<RE2JS['matcher']>, text: string): RegexMatch => {
    const starts: number[] = [];
    const ends: number[] = [];
    for (let g = 0; g <= groupCount; g++) {
      starts.push(m.start(g));
      ends.push(m.end(g));
    }
    const group = (n: number) =>
      n >= 0 && n <= groupCount && starts[n]! >= 0 ? text.slice(starts[n], ends[n]) : undefined;
    return {
      index: starts[0]!,
      end: ends[0]!,
      value: text.slice(starts[0], ends[0]),
      groupCount,
      group,
      named: (name) => (Object.hasOwn(names, name) ? group(names[name]!) : undefined),
      span: (name) => {
        const n = Object.hasOwn(names, name) ? names[name]! : -1;
        return n >= 0 && starts[n]! >= 0 ? [starts[n]!, ends[n]!] : undefined;
      },
    };
  };
  return {
    engine: 're2',
    groupNames: new Set(Object.keys(names)),
    *matches(text) {
      const m = re.matcher(text);
      while (m.find()) yield snapshot(m, text);
    },
    first(text) {
      const m = re.matcher(text);
      return m.find() ? snapshot(m, text) : null;
    },
    test: (text) => re.test(text),
  };
}

function nativeRegex(re: RegExp): BoundedRegex {
  const bounded = (text: string) => {
    if (text.length > MAX_BACKTRACKING_INPUT) {
      throw new RegexInputTooLongError(
        `the text is ${text.length} characters long; a pattern with back-references or lookaround runs on at most ${MAX_BACKTRACKING_INPUT}`,
      );
    }
    return text;
  };
  const wrap = (m: RegExpExecArray): RegexMatch => ({
    index: m.index,
    end: m.index + m[0].length,
    value: m[0],
    groupCount: m.length - 1,
    group: (n) => (Number.isInteger(n) && n >= 0 && n < m.length ? (m[n] ?? undefined) : undefined),
    named: (name) => (m.groups && Object.hasOwn(m.groups, name) ? m.groups[name] : undefined),
    span: (name) => m.indices?.groups?.[name],
  });
  return {
    engine: 'backtracking',
    groupNames: groupNamesOf(re),
    *matches(text) {
      for (const m of bounded(text).matchAll(re)) yield wrap(m);
    },
    first(text) {
      re.lastIndex = 0;
      const m = re.exec(bounded(text));
      re.lastIndex = 0;
      return m ? wrap(m) : null;
    },
    test(text) {
      re.lastIndex = 0;
      const found = re.test(bounded(text));
      re.lastIndex = 0;
      return found;
    },
  };
}

// The named groups a pattern defines, read from a throwaway match of an always-matching variant.
function groupNamesOf(re: RegExp): ReadonlySet<string> {
  const probe = new RegExp(`${re.source}|(?<__probe__>)`, re.flags.replace('g', '')).exec('');
  return new Set(Object.keys(probe?.groups ?? {}).filter((n) => n !== '__probe__'));
}
