import { type DateTimeValue, ValueError } from '../values.ts';
import { DAY_NAMES, type DateParts, MONTH_NAMES, makeDate, partsOf } from './calendar.ts';
import { parseOffset } from './parse-date.ts';

/** One piece of a .NET custom date and time format: a specifier such as `yyyy`, or literal text. */
export type FormatToken =
  | { readonly kind: 'field'; readonly spec: string }
  | { readonly kind: 'literal'; readonly text: string };

// Standard formats of the invariant culture, as custom patterns.
const STANDARD: Readonly<Record<string, string>> = {
  d: 'MM/dd/yyyy',
  D: 'dddd, dd MMMM yyyy',
  f: 'dddd, dd MMMM yyyy HH:mm',
  F: 'dddd, dd MMMM yyyy HH:mm:ss',
  g: 'MM/dd/yyyy HH:mm',
  G: 'MM/dd/yyyy HH:mm:ss',
  m: 'MMMM dd',
  M: 'MMMM dd',
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  t: 'HH:mm',
  T: 'HH:mm:ss',
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  U: 'dddd, dd MMMM yyyy HH:mm:ss',
  y: 'yyyy MMMM',
  Y: 'yyyy MMMM',
};

const SPECIFIERS = new Set('dfFghHKmMstyz');

/** Splits a .NET format string into tokens; a single-character string is a standard format. */
export function tokenizeFormat(format: string): FormatToken[] {
  if (format.length === 1) {
    const standard = STANDARD[format];
    if (standard === undefined) throw new ValueError(`got "${format}", which is not a .NET standard date format`);
    return tokenizeFormat(standard);
  }
  const tokens: FormatToken[] = [];
  const literal = (text: string) => {
    const last = tokens.at(-1);
    if (last?.kind === 'literal') tokens[tokens.length - 1] = { kind: 'literal', text: last.text + text };
    else tokens.push({ kind: 'literal', text });
  };
  let i = 0;
  while (i < format.length) {
    const ch = format[i]!;
    if (ch === "'" || ch === '"') {
      const close = format.indexOf(ch, i + 1);
      if (close < 0) throw new ValueError(`has an unclosed quote in the date format "${format}"`);
      literal(format.slice(i + 1, close));
      i = close + 1;
    } else if (ch === '\\') {
      literal(format[i + 1] ?? '');
      i += 2;
    } else if (ch === '%') {
      i++;
    } else if (SPECIFIERS.has(ch)) {
      let j = i;
      while (format[j] === ch) j++;
      tokens.push({ kind: 'field', spec: format.slice(i, j) });
      i = j;
    } else {
      literal(ch);
      i++;
    }
  }
  return tokens;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Formats a UTC date with a .NET custom or standard format (invariant culture). */
export function formatDotnet(date: DateTimeValue, format: string): string {
  const p = partsOf(date);
  const weekday = new Date(date.epochMs).getUTCDay();
  return tokenizeFormat(format)
    .map((t) => (t.kind === 'literal' ? t.text : formatField(t.spec, p, weekday)))
    .join('');
}

function formatField(spec: string, p: DateParts, weekday: number): string {
  const n = spec.length;
  const h12 = p.hour % 12 === 0 ? 12 : p.hour % 12;
  switch (spec[0]) {
    case 'y':
      return n === 2 ? pad(p.year % 100, 2) : n === 1 ? String(p.year % 100) : pad(p.year, n);
    case 'M':
      return n >= 4 ? MONTH_NAMES[p.month - 1]! : n === 3 ? MONTH_NAMES[p.month - 1]!.slice(0, 3) : pad(p.month, n);
    case 'd':
      return n >= 4 ? DAY_NAMES[weekday]! : n === 3 ? DAY_NAMES[weekday]!.slice(0, 3) : pad(p.day, n);
    case 'H':
      return pad(p.hour, Math.min(n, 2));
    case 'h':
      return pad(h12, Math.min(n, 2));
    case 'm':
      return pad(p.minute, Math.min(n, 2));
    case 's':
      return pad(p.second, Math.min(n, 2));
    case 'f':
    case 'F': {
      if (n > 7) throw new ValueError(`got "${spec}"; fractions of a second take at most 7 digits`);
      const digits = pad(p.millisecond, 3).padEnd(7, '0').slice(0, n);
      return spec[0] === 'F' ? digits.replace(/0+$/, '') : digits;
    }
    case 't':
      return (p.hour < 12 ? 'AM' : 'PM').slice(0, Math.min(n, 2));
    case 'z':
      return n === 1 ? '+0' : n === 2 ? '+00' : '+00:00';
    case 'K':
      return 'Z';
    case 'g':
      return 'A.D.';
    default:
      throw new ValueError(`got the unknown date format specifier "${spec}"`);
  }
}

/** Reads `text` with a .NET custom or standard format (DateTime.ParseExact, invariant culture). */
export function parseDotnet(text: string, format: string): DateTimeValue | undefined {
  const fields: DateParts = { year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, millisecond: 0 };
  let meridiem: 'AM' | 'PM' | undefined;
  let offset = 0;
  let pos = 0;
  const digits = (min: number, max: number): number | undefined => {
    const m = new RegExp(`^\\d{${min},${max}}`).exec(text.slice(pos));
    if (!m) return undefined;
    pos += m[0].length;
    return Number(m[0]);
  };
  const word = (names: readonly string[]): number | undefined => {
    const rest = text.slice(pos).toLowerCase();
    const index = names.findIndex((name) => rest.startsWith(name.toLowerCase()));
    if (index >= 0) pos += names[index]!.length;
    return index >= 0 ? index : undefined;
  };
  for (const token of tokenizeFormat(format)) {
    if (token.kind === 'literal') {
      if (!text.startsWith(token.text, pos)) return undefined;
      pos += token.text.length;
      continue;
    }
    const { spec } = token;
    const n = spec.length;
    let value: number | undefined;
    switch (spec[0]) {
      case 'y':
        value = n <= 2 ? digits(n === 1 ? 1 : 2, 2) : digits(n, Math.max(n, 4));
        if (value !== undefined && n <= 2) value += value <= 49 ? 2000 : 1900;
        if (value !== undefined) fields.year = value;
        break;
      case 'M':
        value =
          n >= 3 ? word(n === 3 ? MONTH_NAMES.map((m) => m.slice(0, 3)) : MONTH_NAMES) : digits(n === 1 ? 1 : 2, 2);
        if (value !== undefined) fields.month = n >= 3 ? value + 1 : value;
        break;
      case 'd':
        value = n >= 3 ? word(n === 3 ? DAY_NAMES.map((d) => d.slice(0, 3)) : DAY_NAMES) : digits(n === 1 ? 1 : 2, 2);
        if (value !== undefined && n <= 2) fields.day = value;
        break;
      case 'H':
      case 'h':
        value = digits(n === 1 ? 1 : 2, 2);
        if (value !== undefined) fields.hour = value;
        break;
      case 'm':
        value = digits(n === 1 ? 1 : 2, 2);
        if (value !== undefined) fields.minute = value;
        break;
      case 's':
        value = digits(n === 1 ? 1 : 2, 2);
        if (value !== undefined) fields.second = value;
        break;
      case 'f':
      case 'F': {
        const start = pos;
        value = digits(spec[0] === 'f' ? n : 0, n);
        if (value !== undefined)
          fields.millisecond = pos > start ? Math.floor(Number(`0.${text.slice(start, pos)}`) * 1000) : 0;
        break;
      }
      case 't': {
        const m = (n === 1 ? /^[AP]/i : /^[AP]M/i).exec(text.slice(pos));
        if (m) {
          pos += m[0].length;
          meridiem = m[0][0]!.toUpperCase() === 'A' ? 'AM' : 'PM';
          value = 0;
        }
        break;
      }
      case 'z':
      case 'K': {
        const m = (spec[0] === 'K' ? /^(Z|[+-]\d{2}:\d{2})?/i : n === 3 ? /^[+-]\d{2}:\d{2}/ : /^[+-]\d{1,2}/).exec(
          text.slice(pos),
        );
        if (m) {
          pos += m[0].length;
          offset = parseOffset(m[0] || undefined);
          value = 0;
        }
        break;
      }
      default:
        value = 0;
    }
    if (value === undefined) return undefined;
  }
  if (pos !== text.length) return undefined;
  if (meridiem) {
    if (fields.hour < 1 || fields.hour > 12) return undefined;
    fields.hour = (fields.hour % 12) + (meridiem === 'PM' ? 12 : 0);
  }
  return makeDate(fields, offset);
}
