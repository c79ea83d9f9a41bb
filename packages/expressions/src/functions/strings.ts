import type { CallContext, FunctionImplementation } from '../context.ts';
import { isNullOrEmpty, mapText, toInteger, toText, toTexts, type Value } from '../values.ts';
import { normalizeDiacritics } from './diacritics.ts';
import { properCase } from './pcase.ts';

// String functions. Unless a function says otherwise: an absent source yields null, and a
// multi-valued source is transformed value by value (the reference is silent on both).

function culture(ctx: CallContext, i: number): string | undefined {
  const name = toText(ctx.arg(i));
  if (name === null || name === '') return undefined;
  try {
    return Intl.getCanonicalLocales(name)[0];
  } catch {
    return ctx.fail(`"${name}" is not a culture name such as en-US`);
  }
}

/** Append(source, suffix): source followed by suffix; an absent suffix appends nothing. */
const append: FunctionImplementation = (ctx) => {
  const suffix = toText(ctx.arg(1)) ?? '';
  return mapText(ctx.arg(0), (s) => s + suffix);
};

/** Left(String, NumChars): 0 → "", < 0 → the whole string, absent string → "" (as documented). */
const left: FunctionImplementation = (ctx) => {
  const n = toInteger(ctx.arg(1), 'a whole number of characters');
  const source = ctx.arg(0);
  const cut = (s: string) => (n < 0 ? s : s.slice(0, n));
  return source === null ? '' : mapText(source, cut);
};

/** Mid(source, start, length): 1-based start; a length past the end stops at the end. */
const mid: FunctionImplementation = (ctx) => {
  const start = toInteger(ctx.arg(1), 'a whole-number start position');
  const length = toInteger(ctx.arg(2), 'a whole-number length');
  if (start < 1) ctx.fail(`start is 1-based and must be 1 or more, but was ${start}`);
  if (length < 0) ctx.fail(`length must be 0 or more, but was ${length}`);
  return mapText(ctx.arg(0), (s) => s.slice(start - 1, start - 1 + length));
};

/** ToLower(source, culture): invariant culture unless a culture such as tr-TR is given. */
const toLower: FunctionImplementation = (ctx) => {
  const locale = culture(ctx, 1);
  return mapText(ctx.arg(0), (s) => (locale ? s.toLocaleLowerCase(locale) : s.toLowerCase()));
};

/** ToUpper(source, culture): invariant culture unless a culture such as tr-TR is given. */
const toUpper: FunctionImplementation = (ctx) => {
  const locale = culture(ctx, 1);
  return mapText(ctx.arg(0), (s) => (locale ? s.toLocaleUpperCase(locale) : s.toUpperCase()));
};

/** Trim(source): leading and trailing white space removed. A Provision extension; Entra has no Trim. */
const trim: FunctionImplementation = (ctx) => mapText(ctx.arg(0), (s) => s.trim());

/** StripSpaces(source): every " " removed (other white space is kept, as documented). */
const stripSpaces: FunctionImplementation = (ctx) => mapText(ctx.arg(0), (s) => s.replaceAll(' ', ''));

/** NormalizeDiacritics(source): the reference's table applied; other characters kept. */
const normalize: FunctionImplementation = (ctx) => mapText(ctx.arg(0), normalizeDiacritics);

/** PCase(source, wordSeparators): proper case, with .NET ToTitleCase word rules or the given separators. */
const pcase: FunctionImplementation = (ctx) => {
  const separators = ctx.isOmitted(1) ? undefined : (toText(ctx.arg(1)) ?? undefined);
  return mapText(ctx.arg(0), (s) => properCase(s, separators));
};

/**
 * Word(String, WordNumber, Delimiters): the n-th (1-based) word, words being the non-empty runs
 * between any of the delimiter characters. n < 1, an absent string, or too few words → "".
 */
const word: FunctionImplementation = (ctx) => {
  const n = toInteger(ctx.arg(1), 'a whole word number');
  const delimiters = new Set(toText(ctx.arg(2)) ?? '');
  const pick = (s: string): string => {
    if (n < 1) return '';
    const words: string[] = [];
    let current = '';
    for (const ch of s) {
      if (delimiters.has(ch)) {
        if (current !== '') words.push(current);
        current = '';
      } else {
        current += ch;
      }
    }
    if (current !== '') words.push(current);
    return words[n - 1] ?? '';
  };
  const source = ctx.arg(0);
  return source === null ? '' : mapText(source, pick);
};

/**
 * Split(source, delimiter): a multi-valued result. Each piece is trimmed and empty pieces are
 * dropped, as the reference's example shows ("PermissionSetOne, PermissionSetTwo" → two values).
 */
const split: FunctionImplementation = (ctx) => {
  const source = ctx.arg(0);
  if (source === null) return null;
  const delimiter = toText(ctx.arg(1)) ?? '';
  return toTexts(source).flatMap((s) =>
    (delimiter === '' ? [s] : s.split(delimiter)).map((p) => p.trim()).filter((p) => p !== ''),
  );
};

/**
 * Join(separator, source1, …): every value of every source (multi-valued sources expanded),
 * skipping absent and empty values, joined by separator. Nothing left to join → null.
 */
const join: FunctionImplementation = (ctx) => {
  const separator = toText(ctx.arg(0)) ?? '';
  const parts: string[] = [];
  for (let i = 1; i < ctx.argCount; i++) {
    const value: Value = ctx.arg(i);
    if (isNullOrEmpty(value)) continue;
    for (const text of toTexts(value)) if (text !== '') parts.push(text);
  }
  return parts.length === 0 ? null : parts.join(separator);
};

export const STRING_FUNCTIONS: ReadonlyMap<string, FunctionImplementation> = new Map([
  ['Append', append],
  ['Join', join],
  ['Left', left],
  ['Mid', mid],
  ['NormalizeDiacritics', normalize],
  ['PCase', pcase],
  ['Split', split],
  ['StripSpaces', stripSpaces],
  ['ToLower', toLower],
  ['ToUpper', toUpper],
  ['Trim', trim],
  ['Word', word],
]);
