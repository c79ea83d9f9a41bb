import type { CallContext, FunctionImplementation } from '../context.ts';
import { EnumValue, mapText, single, toInteger, toText, type Value } from '../values.ts';

// Conversions, encodings and searching.

/** CStr(value): a number, boolean ("True"/"False"), date or reference as text; absent → null. */
const cstr: FunctionImplementation = (ctx) => mapText(ctx.arg(0), (s) => s);

/** BitAnd(value1, value2): the bitwise AND of two whole numbers (64-bit), e.g. BitAnd(&HF, &HF7) = 7. */
const bitAnd: FunctionImplementation = (ctx) => {
  const a = BigInt(toInteger(ctx.arg(0), 'a whole number'));
  const b = BigInt(toInteger(ctx.arg(1), 'a whole number'));
  const result = BigInt.asIntN(64, a & b);
  return Number.isSafeInteger(Number(result)) ? Number(result) : result.toString();
};

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** ConvertToBase64(source): base64 of the string's "Unicode" (UTF-16LE) bytes, as .NET's Encoding.Unicode. */
const convertToBase64: FunctionImplementation = (ctx) =>
  mapText(ctx.arg(0), (s) => {
    const bytes = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) {
      const unit = s.charCodeAt(i);
      bytes[i * 2] = unit & 0xff;
      bytes[i * 2 + 1] = unit >> 8;
    }
    return base64(bytes);
  });

/** ConvertToUTF8Hex(source): the string's UTF-8 bytes as upper-case hex. */
const convertToUtf8Hex: FunctionImplementation = (ctx) =>
  mapText(ctx.arg(0), (s) =>
    [...new TextEncoder().encode(s)].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(''),
  );

function textCompare(ctx: CallContext): boolean {
  if (ctx.isOmitted(3)) return false;
  const value = single(ctx.arg(3));
  const name = value instanceof EnumValue ? value.name : toText(value);
  // VB accepts the constants' numbers too: vbBinaryCompare = 0, vbTextCompare = 1.
  if (name === 'vbBinaryCompare' || name === '0') return false;
  if (name === 'vbTextCompare' || name === '1') return true;
  return ctx.fail(
    `compareType must be vbBinaryCompare or vbTextCompare, but was ${name === null ? 'empty' : `"${name}"`}`,
  );
}

/**
 * InStr(value1, value2, start, compareType): the 1-based position of value2 in value1 from the
 * 1-based start (default 1), 0 when absent; vbTextCompare ignores case, vbBinaryCompare (the
 * default) does not. As in VB: an absent or empty value1 → 0; an empty value2 → start.
 */
const inStr: FunctionImplementation = (ctx) => {
  const start = ctx.isOmitted(2) ? 1 : toInteger(ctx.arg(2), 'a whole-number start position');
  if (start < 1) ctx.fail(`start is 1-based and must be 1 or more, but was ${start}`);
  const ignoreCase = textCompare(ctx);
  const haystack = toText(ctx.arg(0), 'value1') ?? '';
  const needle = toText(ctx.arg(1), 'value2') ?? '';
  if (haystack === '') return 0;
  if (needle === '') return start <= haystack.length ? start : 0;
  const fold = (s: string) => (ignoreCase ? s.toUpperCase() : s);
  return fold(haystack).indexOf(fold(needle), start - 1) + 1;
};

/** Redact(value): the value itself; Provision's logs show it as "[Redact]". */
const redact: FunctionImplementation = (ctx): Value => ctx.arg(0);

export const CONVERSION_FUNCTIONS: ReadonlyMap<string, FunctionImplementation> = new Map([
  ['BitAnd', bitAnd],
  ['ConvertToBase64', convertToBase64],
  ['ConvertToUTF8Hex', convertToUtf8Hex],
  ['CStr', cstr],
  ['InStr', inStr],
  ['Redact', redact],
]);
