import type { CallContext, FunctionImplementation } from '../context.ts';
import type { BoundedRegex } from '../regex/bounded-regex.ts';
import { isNullOrEmpty, mapText, toText, type Value } from '../values.ts';
import {
  compileDotnetRegex,
  expandDotnetReplacement,
  RegexInputTooLongError,
  RegexRiskError,
  RegexSyntaxError,
} from './dotnet-regex.ts';

const SOURCE = 0;
const OLD_VALUE = 1;
const REGEX_PATTERN = 2;
const REGEX_GROUP_NAME = 3;
const REPLACEMENT_VALUE = 4;
const REPLACEMENT_ATTRIBUTE = 5;
const TEMPLATE = 6;

function regex(ctx: CallContext): BoundedRegex {
  const pattern = toText(ctx.arg(REGEX_PATTERN), 'regexPattern') ?? '';
  try {
    return compileDotnetRegex(pattern);
  } catch (error) {
    if (error instanceof RegexRiskError) ctx.fail(`regexPattern "${pattern}" is refused: ${error.message}`);
    if (error instanceof RegexSyntaxError)
      ctx.fail(`regexPattern "${pattern}" is not a valid regular expression: ${error.message}`);
    throw error;
  }
}

function groupName(ctx: CallContext, re: BoundedRegex, pattern: string): string {
  const name = toText(ctx.arg(REGEX_GROUP_NAME), 'regexGroupName') ?? '';
  if (!re.groupNames.has(name)) {
    ctx.fail(`regexGroupName "${name}" is not a named group of regexPattern "${pattern}"`);
  }
  return name;
}

function replaceGroup(text: string, re: BoundedRegex, name: string, replacement: string): string {
  let out = '';
  let last = 0;
  for (const match of re.matches(text)) {
    const span = match.span(name);
    if (!span) continue;
    out += text.slice(last, span[0]) + replacement;
    last = span[1];
  }
  return out + text.slice(last);
}

function replaceMatches(text: string, re: BoundedRegex, replacement: string): string {
  let out = '';
  let last = 0;
  for (const match of re.matches(text)) {
    out += text.slice(last, match.index) + expandDotnetReplacement(replacement, match, re.groupNames, text);
    last = match.end;
  }
  return out + text.slice(last);
}

// A text too long for the backtracking engine fails the call, naming the limit.
function bounded<T>(ctx: CallContext, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RegexInputTooLongError) ctx.fail(error.message);
    throw error;
  }
}

/**
 * Replace(source, oldValue, regexPattern, regexGroupName, replacementValue,
 * replacementAttributeName, template) — case-sensitive, in the mode its non-empty arguments pick:
 *
 * 1. oldValue + replacementValue: every occurrence of oldValue in source replaced.
 * 2. oldValue + template: every occurrence of oldValue in template replaced by source.
 * 3. regexPattern + replacementValue: regex replace; the replacement may use .NET's `${name}`,
 *    `$1`, `$$`, … references.
 * 4. regexPattern + regexGroupName + replacementValue: in every match, only the named group's text
 *    replaced (literally).
 * 5. regexPattern + regexGroupName + replacementAttributeName: source when it has a value; else the
 *    named group of the first match in the replacement attribute (null without a match). The
 *    attribute may be given as `[mobile]` or by name as `"mobile"`.
 *
 * A pattern takes precedence over oldValue; in modes 1–2 a template takes precedence over a
 * replacementValue. Patterns are .NET regular expressions (named groups `(?<name>…)`). A
 * multi-valued source is replaced value by value; an absent source yields null (mode 5 aside).
 */
const replace: FunctionImplementation = (ctx) => {
  const has = (i: number) => !ctx.isOmitted(i);
  const source: Value = ctx.arg(SOURCE);
  if (has(REGEX_PATTERN)) {
    const re = regex(ctx);
    const pattern = toText(ctx.arg(REGEX_PATTERN)) ?? '';
    if (has(REGEX_GROUP_NAME)) {
      const name = groupName(ctx, re, pattern);
      if (has(REPLACEMENT_ATTRIBUTE)) {
        if (!isNullOrEmpty(source)) return source;
        const node = ctx.argNode(REPLACEMENT_ATTRIBUTE);
        const other = node?.type === 'string' ? ctx.attribute(node.value) : ctx.arg(REPLACEMENT_ATTRIBUTE);
        const text = toText(other, 'replacement attribute value');
        if (text === null) return null;
        return bounded(ctx, () => re.first(text)?.named(name) ?? null);
      }
      if (!has(REPLACEMENT_VALUE))
        ctx.fail('with regexPattern and regexGroupName, give replacementValue or replacementAttributeName');
      const replacement = toText(ctx.arg(REPLACEMENT_VALUE)) ?? '';
      return bounded(ctx, () => mapText(source, (s) => replaceGroup(s, re, name, replacement)));
    }
    if (!has(REPLACEMENT_VALUE)) ctx.fail('with regexPattern, give replacementValue');
    const replacement = toText(ctx.arg(REPLACEMENT_VALUE)) ?? '';
    return bounded(ctx, () => mapText(source, (s) => replaceMatches(s, re, replacement)));
  }
  if (has(OLD_VALUE)) {
    const oldValue = toText(ctx.arg(OLD_VALUE), 'oldValue') ?? '';
    if (has(TEMPLATE)) {
      const template = toText(ctx.arg(TEMPLATE), 'template') ?? '';
      return mapText(source, (s) => (oldValue === '' ? template : template.replaceAll(oldValue, s)));
    }
    if (has(REPLACEMENT_VALUE)) {
      const replacement = toText(ctx.arg(REPLACEMENT_VALUE)) ?? '';
      return mapText(source, (s) => (oldValue === '' ? s : s.replaceAll(oldValue, () => replacement)));
    }
    ctx.fail('with oldValue, give replacementValue or template');
  }
  return ctx.fail('give oldValue or regexPattern to say what to replace');
};

export const REPLACE_FUNCTIONS: ReadonlyMap<string, FunctionImplementation> = new Map([['Replace', replace]]);
