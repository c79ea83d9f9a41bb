import { DateTimeValue, ValueError } from '../values.ts';

/** Calendar fields of a UTC date-time. */
export interface DateParts {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

// .NET DateTime covers years 1–9999; JS Date covers more, so the range is checked here.
const MIN_MS = utcMs({ year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, millisecond: 0 });
const MAX_MS = utcMs({ year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59, millisecond: 999 });

/** Milliseconds since the Unix epoch of UTC calendar fields (years below 100 taken literally). */
export function utcMs(p: DateParts): number {
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  d.setUTCHours(p.hour, p.minute, p.second, p.millisecond);
  return d.getTime();
}

/** The UTC calendar fields of a date. */
export function partsOf(date: DateTimeValue): DateParts {
  const d = new Date(date.epochMs);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(
    utcMs({ year, month: month + 1, day: 0, hour: 0, minute: 0, second: 0, millisecond: 0 }),
  ).getUTCDate();
}

/** A checked date from fields and an offset in minutes east of UTC (the offset is removed). */
export function makeDate(p: DateParts, offsetMinutes = 0): DateTimeValue {
  const valid =
    Number.isInteger(p.year) &&
    p.year >= 1 &&
    p.year <= 9999 &&
    p.month >= 1 &&
    p.month <= 12 &&
    p.day >= 1 &&
    p.day <= daysInMonth(p.year, p.month) &&
    p.hour >= 0 &&
    p.hour <= 23 &&
    p.minute >= 0 &&
    p.minute <= 59 &&
    p.second >= 0 &&
    p.second <= 59;
  if (!valid) throw new ValueError('got a date that does not exist');
  return checked(utcMs(p) - offsetMinutes * 60_000);
}

/** A date for an instant, refusing instants outside .NET's years 1–9999. */
export function checked(epochMs: number): DateTimeValue {
  if (!Number.isFinite(epochMs) || epochMs < MIN_MS || epochMs > MAX_MS) {
    throw new ValueError('produced a date outside the years 1 to 9999');
  }
  return new DateTimeValue(epochMs);
}

/** .NET AddMonths: the day is kept, or clamped to the last day of the target month. */
export function addMonths(date: DateTimeValue, months: number): DateTimeValue {
  const p = partsOf(date);
  const total = p.year * 12 + (p.month - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  if (year < 1 || year > 9999) throw new ValueError('produced a date outside the years 1 to 9999');
  return checked(utcMs({ ...p, year, month, day: Math.min(p.day, daysInMonth(year, month)) }));
}

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
export const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
