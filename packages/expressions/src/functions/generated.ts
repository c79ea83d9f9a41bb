import type { CallContext, FunctionImplementation } from '../context.ts';
import { isNullOrEmpty, toInteger, toText } from '../values.ts';

// Values made up rather than read: GUIDs, random strings, unique values. Their sources of
// randomness and uniqueness are injected (EvaluateOptions) so that tests are reproducible.

/** Guid(): a new GUID from the injected generator. */
const guid: FunctionImplementation = (ctx) => ctx.options.newGuid();

// Character classes of Windows' password complexity rules, which the reference points to.
const NUMBERS = '0123456789';
const SPECIALS = '~!@#$%^&*_-+=`|\\(){}[]:;"\'<>,.?/';
const CAPITALS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWERS = 'abcdefghijklmnopqrstuvwxyz';

/** The largest RandomString length the reference allows. */
export const RANDOM_STRING_MAX_LENGTH = 256;

function pick(ctx: CallContext, size: number): number {
  const r = ctx.options.random();
  const index = Math.floor((Number.isFinite(r) ? r : 0) * size);
  return Math.min(Math.max(index, 0), size - 1);
}

/**
 * RandomString(Length, MinimumNumbers, MinimumSpecialCharacters, MinimumCapital, MinimumLowerCase,
 * CharactersToAvoid): Length characters (at most 256) with at least the given number of digits,
 * special characters, capitals and lower-case letters, none of CharactersToAvoid, in random order.
 */
const randomString: FunctionImplementation = (ctx) => {
  const length = toInteger(ctx.arg(0), 'a whole-number length');
  const minimums = [1, 2, 3, 4].map((i) => toInteger(ctx.arg(i), 'a whole-number minimum'));
  if (length < 1 || length > RANDOM_STRING_MAX_LENGTH)
    ctx.fail(`Length must be from 1 to ${RANDOM_STRING_MAX_LENGTH}, but was ${length}`);
  if (minimums.some((m) => m < 0)) ctx.fail('the minimums must be 0 or more');
  const total = minimums.reduce((a, b) => a + b, 0);
  if (total > length) ctx.fail(`the minimums add up to ${total}, more than Length ${length}`);
  const avoid = new Set(toText(ctx.arg(5)) ?? '');
  const pools = [NUMBERS, SPECIALS, CAPITALS, LOWERS].map((p) => [...p].filter((c) => !avoid.has(c)));
  const names = ['digits', 'special characters', 'capitals', 'lower-case letters'];
  const chars: string[] = [];
  pools.forEach((pool, i) => {
    const min = minimums[i]!;
    if (min > 0 && pool.length === 0) ctx.fail(`CharactersToAvoid leaves no ${names[i]}`);
    for (let k = 0; k < min; k++) chars.push(pool[pick(ctx, pool.length)]!);
  });
  const all = pools.flat();
  if (chars.length < length && all.length === 0) ctx.fail('CharactersToAvoid leaves no characters');
  while (chars.length < length) chars.push(all[pick(ctx, all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = pick(ctx, i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
};

/**
 * SelectUniqueValue(rule1, rule2, …): the first rule's value that the injected `isUniqueValue`
 * accepts (empty values skipped). Entra offers it only for provisioning to Active Directory, so
 * without `isUniqueValue` it fails; when every value is taken it fails too (Entra escrows).
 */
const selectUniqueValue: FunctionImplementation = (ctx) => {
  const isUnique = ctx.options.isUniqueValue;
  if (!isUnique) {
    return ctx.fail(
      'needs a uniqueness check against the target directory; Entra supports it only for provisioning to Active Directory',
    );
  }
  const tried: string[] = [];
  for (let i = 0; i < ctx.argCount; i++) {
    const value = ctx.arg(i);
    if (isNullOrEmpty(value)) continue;
    const text = toText(value, 'candidate value')!;
    if (isUnique(text)) return text;
    tried.push(`"${text}"`);
  }
  return ctx.fail(`every candidate value is already taken (${tried.join(', ') || 'no candidate had a value'})`);
};

export const GENERATED_FUNCTIONS: ReadonlyMap<string, FunctionImplementation> = new Map([
  ['Guid', guid],
  ['RandomString', randomString],
  ['SelectUniqueValue', selectUniqueValue],
]);
