import type { CallContext, FunctionImplementation } from '../context.ts';
import { addMonths, checked, partsOf } from '../datetime/calendar.ts';
import { formatDotnet, parseDotnet } from '../datetime/dotnet-format.ts';
import { toDate } from '../datetime/parse-date.ts';
import { DateTimeValue, describe, single, toNumber, toText, type Value, ValueError } from '../values.ts';

// Date functions. A date value prints as `M/d/yyyy h:mm:ss tt` in UTC; date arguments accept a
// date value (from CDate, DateAdd, Now, DateFromNum) or a date string (see CDate).

const DAY_MS = 86_400_000;
// FILETIME (Active Directory dates) counts 100 ns ticks since 1601-01-01 UTC.
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;

function interval(ctx: CallContext): string {
  const text = toText(ctx.arg(0), 'interval');
  const allowed = ['yyyy', 'q', 'm', 'y', 'd', 'w', 'ww', 'h', 'n', 's'];
  if (text === null || !allowed.includes(text)) {
    ctx.fail(
      `interval must be one of "yyyy", "m", "d", "ww", "h", "n", "s" (or VB's "q", "y", "w"), but was ${text === null ? 'empty' : `"${text}"`}`,
    );
  }
  return text;
}

/** CDate(expression): the UTC date-time of a date string (no offset → UTC); absent → null. */
const cdate: FunctionImplementation = (ctx) => toDate(ctx.arg(0));

/** Now(): the current UTC date-time, from the injected clock. */
const now: FunctionImplementation = (ctx) => {
  const ms = ctx.options.now().getTime();
  if (Number.isNaN(ms)) ctx.fail('the clock returned an invalid date');
  return checked(ms);
};

/**
 * DateAdd(interval, value, dateTime): dateTime plus value intervals ("yyyy", "q", "m", "y"/"d"/"w"
 * days, "ww" weeks, "h", "n" minutes, "s"). Months keep the day or clamp it to the month's end,
 * as .NET AddMonths does; a fractional value is truncated, as VB does. Absent dateTime → null.
 */
const dateAdd: FunctionImplementation = (ctx) => {
  const unit = interval(ctx);
  const amount = Math.trunc(toNumber(ctx.arg(1), 'a number of intervals'));
  const date = toDate(ctx.arg(2));
  if (date === null) return null;
  switch (unit) {
    case 'yyyy':
      return addMonths(date, amount * 12);
    case 'q':
      return addMonths(date, amount * 3);
    case 'm':
      return addMonths(date, amount);
    case 'ww':
      return checked(date.epochMs + amount * 7 * DAY_MS);
    case 'h':
      return checked(date.epochMs + amount * 3_600_000);
    case 'n':
      return checked(date.epochMs + amount * 60_000);
    case 's':
      return checked(date.epochMs + amount * 1000);
    default:
      return checked(date.epochMs + amount * DAY_MS);
  }
};

/**
 * DateDiff(interval, date1, date2): date2 − date1 in whole intervals, as VB's DateDiff counts
 * them: "yyyy", "q" and "m" by calendar fields; "d", "y", "h", "n", "s" by elapsed time,
 * truncated; "w" as elapsed days / 7; "ww" as calendar weeks (Sunday boundaries). Positive when
 * date2 is later. Either date absent → null.
 */
const dateDiff: FunctionImplementation = (ctx) => {
  const unit = interval(ctx);
  const date1 = toDate(ctx.arg(1), 'date1 as a date');
  const date2 = toDate(ctx.arg(2), 'date2 as a date');
  if (date1 === null || date2 === null) return null;
  const p1 = partsOf(date1);
  const p2 = partsOf(date2);
  const elapsed = date2.epochMs - date1.epochMs;
  const whole = (ms: number) => Math.trunc(elapsed / ms) + 0;
  switch (unit) {
    case 'yyyy':
      return p2.year - p1.year;
    case 'q':
      return (p2.year - p1.year) * 4 + Math.floor((p2.month - 1) / 3) - Math.floor((p1.month - 1) / 3);
    case 'm':
      return (p2.year - p1.year) * 12 + p2.month - p1.month;
    case 'w':
      return Math.trunc(whole(DAY_MS) / 7) + 0;
    case 'ww': {
      const sunday = (d: DateTimeValue) => d.epochMs - new Date(d.epochMs).getUTCDay() * DAY_MS;
      return Math.trunc(Math.trunc((sunday(date2) - sunday(date1)) / DAY_MS) / 7) + 0;
    }
    case 'h':
      return whole(3_600_000);
    case 'n':
      return whole(60_000);
    case 's':
      return whole(1000);
    default:
      return whole(DAY_MS);
  }
};

function filetime(value: Value): bigint {
  const one = single(value, 'an AD date number');
  try {
    if (typeof one === 'number' && Number.isInteger(one)) return BigInt(one);
    if (typeof one === 'string' && /^\s*-?\d+\s*$/.test(one)) return BigInt(one.trim());
  } catch {
    // fall through to the error below
  }
  throw new ValueError(`expected an AD date number (100-nanosecond intervals since 1601) but got ${describe(value)}`);
}

/** DateFromNum(value): the UTC date-time of an AD date (FILETIME, e.g. lastLogonTimestamp). */
const dateFromNum: FunctionImplementation = (ctx) => {
  const value = ctx.arg(0);
  if (value === null) return null;
  const ticks = filetime(value);
  return checked(Number(ticks / 10_000n - FILETIME_EPOCH_OFFSET_MS));
};

/** NumFromDate(value): the AD date number (FILETIME, e.g. for accountExpires) of an ISO 8601 date, as text. */
const numFromDate: FunctionImplementation = (ctx) => {
  const date = toDate(ctx.arg(0), 'an ISO 8601 date');
  if (date === null) return null;
  return ((BigInt(date.epochMs) + FILETIME_EPOCH_OFFSET_MS) * 10_000n).toString();
};

const STYLE_NAMES = new Set(
  [
    'None',
    'AllowLeadingWhite',
    'AllowTrailingWhite',
    'AllowInnerWhite',
    'AllowWhiteSpaces',
    'NoCurrentDateDefault',
    'AdjustToUniversal',
    'AssumeLocal',
    'AssumeUniversal',
    'RoundtripKind',
  ].map((s) => s.toLowerCase()),
);

function dateTimeStyles(ctx: CallContext): Set<string> {
  if (ctx.isOmitted(1)) return new Set(['roundtripkind', 'allowleadingwhite', 'allowtrailingwhite']);
  const text = toText(ctx.arg(1), 'dateTimeStyles') ?? '';
  const styles = new Set<string>();
  for (const raw of text.split(/[,|]/)) {
    const name = raw
      .trim()
      .replace(/^(System\.Globalization\.)?DateTimeStyles\./i, '')
      .toLowerCase();
    if (name === '') continue;
    if (!STYLE_NAMES.has(name)) ctx.fail(`dateTimeStyles "${raw.trim()}" is not a .NET DateTimeStyles value`);
    styles.add(name);
  }
  return styles;
}

/**
 * FormatDateTime(source, dateTimeStyles, inputFormat, outputFormat): reads source with the .NET
 * inputFormat (DateTime.ParseExact, invariant culture) and writes it with outputFormat. A parsed
 * offset converts the time to UTC, as .NET does on Entra's UTC servers. dateTimeStyles defaults to
 * RoundtripKind, AllowLeadingWhite, AllowTrailingWhite (white space around source is ignored).
 * A date value as source skips parsing; absent source → null; multi-valued → value by value.
 */
const formatDateTime: FunctionImplementation = (ctx) => {
  const styles = dateTimeStyles(ctx);
  const inputFormat = toText(ctx.arg(2), 'inputFormat') ?? '';
  const outputFormat = toText(ctx.arg(3), 'outputFormat') ?? '';
  if (outputFormat === '') ctx.fail('outputFormat must not be empty');
  const white = styles.has('allowwhitespaces');
  const convert = (value: string | DateTimeValue): string => {
    if (value instanceof DateTimeValue) return formatDotnet(value, outputFormat);
    let text = value;
    if (white || styles.has('allowleadingwhite')) text = text.trimStart();
    if (white || styles.has('allowtrailingwhite')) text = text.trimEnd();
    let date: DateTimeValue | undefined;
    try {
      date = parseDotnet(text, inputFormat);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
    }
    if (!date) return ctx.fail(`source "${value}" does not match inputFormat "${inputFormat}"`);
    return formatDotnet(date, outputFormat);
  };
  const source = ctx.arg(0);
  if (source === null) return null;
  if (Array.isArray(source)) return source.map(convert);
  const one = single(source);
  return convert(one instanceof DateTimeValue ? one : toText(one)!);
};

export const DATE_FUNCTIONS: ReadonlyMap<string, FunctionImplementation> = new Map([
  ['CDate', cdate],
  ['DateAdd', dateAdd],
  ['DateDiff', dateDiff],
  ['DateFromNum', dateFromNum],
  ['FormatDateTime', formatDateTime],
  ['Now', now],
  ['NumFromDate', numFromDate],
]);
