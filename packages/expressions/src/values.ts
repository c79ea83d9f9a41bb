/** A point in time, always UTC (what CDate, DateAdd, DateFromNum and Now yield). */
export class DateTimeValue {
  readonly epochMs: number;
  constructor(epochMs: number) {
    this.epochMs = epochMs;
  }
}

/** An enum identifier such as vbTextCompare, as a value. */
export class EnumValue {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/** What an argument evaluates to inside the evaluator; richer than the public ExpressionValue. */
export type Value = string | readonly string[] | boolean | number | null | DateTimeValue | EnumValue;

/** A value that a function could not use; the evaluator adds the function name and column. */
export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

/** `M/d/yyyy h:mm:ss tt` in UTC, the format Entra's date functions return. */
export function formatEntraDate(date: DateTimeValue): string {
  const d = new Date(date.epochMs);
  const hours = d.getUTCHours();
  const h12 = hours % 12 === 0 ? 12 : hours % 12;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
}

/** A number as .NET's invariant culture prints it for the integers and decimals expressions meet. */
export function formatNumber(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? n.toFixed(0) : String(n);
}

/** Describes a value for an error message. */
export function describe(value: Value): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return `${value.length} values`;
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return scalarText(value as Exclude<Value, readonly string[] | null>);
}

function scalarText(value: string | boolean | number | DateTimeValue | EnumValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return formatNumber(value);
  if (value instanceof DateTimeValue) return formatEntraDate(value);
  return value.name;
}

/** A single value: a one-element array stands for its element, an empty one for null. */
export function single(value: Value, what = 'value'): Exclude<Value, readonly string[]> {
  if (!Array.isArray(value)) return value as Exclude<Value, readonly string[]>;
  if (value.length === 0) return null;
  if (value.length === 1) return value[0]!;
  throw new ValueError(`expected a single ${what} but got ${value.length} values`);
}

/** The text of a single value (booleans read "True"/"False", dates `M/d/yyyy h:mm:ss tt`); null stays null. */
export function toText(value: Value, what?: string): string | null {
  const one = single(value, what);
  return one === null ? null : scalarText(one);
}

/** Null, an empty string, or a multi-valued attribute with no values. */
export function isNullOrEmpty(value: Value): boolean {
  if (value === null) return true;
  if (typeof value === 'string') return value === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number from a number, a numeric string (decimal or `&H` hex) or a boolean (1/0). */
export function toNumber(value: Value, what = 'a number'): number {
  const one = single(value, what);
  if (typeof one === 'number') return one;
  if (typeof one === 'boolean') return one ? 1 : 0;
  if (typeof one === 'string') {
    const text = one.trim();
    if (NUMERIC.test(text)) return Number(text);
    const hex = /^&[hH]([0-9a-fA-F]+)$/.exec(text);
    if (hex) return Number.parseInt(hex[1]!, 16);
  }
  throw new ValueError(`expected ${what} but got ${describe(value)}`);
}

/** A whole number, refusing fractions. */
export function toInteger(value: Value, what = 'a whole number'): number {
  const n = toNumber(value, what);
  if (!Number.isInteger(n)) throw new ValueError(`expected ${what} but got ${describe(value)}`);
  return n;
}

/** True or False from a boolean, "True"/"False" (any case), or a number (non-zero is True). */
export function toBoolean(value: Value, what = 'True or False'): boolean {
  const one = single(value, what);
  if (typeof one === 'boolean') return one;
  if (typeof one === 'number') return one !== 0;
  if (typeof one === 'string') {
    const text = one.trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
    if (NUMERIC.test(text)) return Number(text) !== 0;
  }
  throw new ValueError(`expected ${what} but got ${describe(value)}`);
}

/**
 * Applies a string transformation to a value: null stays null, a multi-valued input is transformed
 * value by value (nulls dropped), anything else is read as text first.
 */
export function mapText(value: Value, fn: (text: string) => string | null): string | readonly string[] | null {
  if (Array.isArray(value)) return value.map(fn).filter((v): v is string => v !== null);
  const text = toText(value);
  return text === null ? null : fn(text);
}

/** The values of a value as a list of texts: null → [], a scalar → [its text]. */
export function toTexts(value: Value): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return [...value];
  return [toText(value)!];
}
