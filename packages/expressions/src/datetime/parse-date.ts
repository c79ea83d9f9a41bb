import { DateTimeValue, describe, single, type Value, ValueError } from '../values.ts';
import { makeDate } from './calendar.ts';

const OFFSET = String.raw`(Z|[+-]\d{1,2}(?::?\d{2})?)?`;
const ISO = new RegExp(
  String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*${OFFSET}$`,
  'i',
);
const ISO_COMPACT = new RegExp(
  String.raw`^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?)?\s*${OFFSET}$`,
  'i',
);
const US = new RegExp(
  String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(AM|PM)?)?\s*${OFFSET}$`,
  'i',
);

/** Minutes east of UTC from `Z`, `+08:00`, `-0700` or `+8`. */
export function parseOffset(text: string | undefined): number {
  if (!text || text.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(text)!;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (Number(m[2]) > 14 || Number(m[3] ?? 0) > 59)
    throw new ValueError(`got the time zone offset "${text}", which does not exist`);
  return m[1] === '-' ? -minutes : minutes;
}

function fraction(digits: string | undefined): number {
  return digits ? Math.floor(Number(`0.${digits}`) * 1000) : 0;
}

/**
 * Reads a date-time the way CDate does, for the forms Entra's examples use: ISO 8601 with or
 * without a time and offset (`2021-06-30+08:00`, `2009-06-15T01:45:30-07:00`, `2021-08-24`,
 * `2020-12-31 23:59:59-08:00`), compact ISO (`20150123105347Z`) and US `M/d/yyyy h:mm:ss tt`
 * (what the date functions print). Without an offset the time is taken as UTC.
 */
export function parseDateText(input: string): DateTimeValue | undefined {
  const text = input.trim();
  let m = ISO.exec(text) ?? ISO_COMPACT.exec(text);
  if (m) {
    return makeDate(
      {
        year: Number(m[1]),
        month: Number(m[2]),
        day: Number(m[3]),
        hour: Number(m[4] ?? 0),
        minute: Number(m[5] ?? 0),
        second: Number(m[6] ?? 0),
        millisecond: fraction(m[7]),
      },
      parseOffset(m[8]),
    );
  }
  m = US.exec(text);
  if (m) {
    let hour = Number(m[4] ?? 0);
    const meridiem = m[8]?.toUpperCase();
    if (meridiem) {
      if (hour < 1 || hour > 12) return undefined;
      hour = (hour % 12) + (meridiem === 'PM' ? 12 : 0);
    }
    return makeDate(
      {
        year: Number(m[3]),
        month: Number(m[1]),
        day: Number(m[2]),
        hour,
        minute: Number(m[5] ?? 0),
        second: Number(m[6] ?? 0),
        millisecond: fraction(m[7]),
      },
      parseOffset(m[9]),
    );
  }
  return undefined;
}

/** A date from a date value or a date string (see parseDateText). */
export function toDate(value: Value, what = 'a date'): DateTimeValue | null {
  const one = single(value, what);
  if (one === null) return null;
  if (one instanceof DateTimeValue) return one;
  if (typeof one === 'string') {
    let date: DateTimeValue | undefined;
    try {
      date = parseDateText(one);
    } catch (error) {
      if (error instanceof ValueError) throw new ValueError(`got ${describe(value)}, which is not a date that exists`);
      throw error;
    }
    if (date) return date;
  }
  throw new ValueError(
    `expected ${what} such as 2021-06-30T08:00:00Z or 6/30/2021 8:00:00 AM but got ${describe(value)}`,
  );
}
