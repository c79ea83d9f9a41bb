import { type CallNode, columnOf, type ExpressionAst } from './ast.ts';
import { compareValues } from './compare.ts';
import { type CallContext, IgnoreFlow, type ResolvedOptions } from './context.ts';
import { ExpressionEvaluationError, ExpressionSyntaxError } from './errors.ts';
import { FUNCTIONS } from './functions/index.ts';
import { parseExpression } from './parser.ts';
import { DateTimeValue, EnumValue, formatEntraDate, formatNumber, type Value, ValueError } from './values.ts';

/** A source attribute's value: single-valued, multi-valued (`string[]`), absent or empty. */
export type AttributeValue = string | readonly string[] | boolean | number | null | undefined;

/** The source object's attributes. Names are matched case-insensitively, as Entra does. */
export type AttributeSource = Readonly<Record<string, AttributeValue>>;

/** What an expression yields: numbers come out as strings, dates as `M/d/yyyy h:mm:ss tt` (UTC). */
export type ExpressionValue = string | string[] | boolean | null;

/** IgnoreFlowIfNullOrEmpty matched: the target attribute is dropped from the flow. */
// Symbol.for, so that two copies of the package agree on the marker.
export const IGNORED: unique symbol = Symbol.for('provision.expressions.IgnoreFlowIfNullOrEmpty');

export type EvaluationResult = ExpressionValue | typeof IGNORED;

/** Injected sources of time, randomness and uniqueness, so results are reproducible. */
export interface EvaluateOptions {
  /** The current time, for Now(). Default: the system clock. */
  now?: () => Date;
  /** A new GUID, for Guid(). Default: `crypto.randomUUID()`. */
  newGuid?: () => string;
  /** A number in [0, 1), for RandomString(). Default: `Math.random`. */
  random?: () => number;
  /**
   * Whether a candidate value is free in the target, for SelectUniqueValue(). Entra supports that
   * function only towards Active Directory; without this callback it fails.
   */
  isUniqueValue?: (value: string) => boolean;
}

/**
 * Evaluates an expression (text or AST) over a source object.
 *
 * Returns a string, a string array (multi-valued), a boolean, null, or `IGNORED` when
 * IgnoreFlowIfNullOrEmpty drops the attribute. Numbers are returned as strings and dates as
 * `M/d/yyyy h:mm:ss tt` in UTC.
 *
 * Absent attributes (and `undefined`) read as null. Multi-valued attributes: string functions
 * transform each value; Join, Count, Item, RemoveDuplicates, SingleAppRoleAssignment and
 * AppRoleAssignmentsComplex take all values; anywhere a single value is needed, a one-value list
 * stands for its value, an empty list for null, and a longer list is an evaluation error.
 *
 * @throws ExpressionSyntaxError when given text that does not parse.
 * @throws ExpressionEvaluationError when the expression cannot be evaluated on this source;
 *   `details.function` and `details.column` say where. Nothing else is thrown.
 */
export function evaluateExpression(
  expr: string | ExpressionAst,
  source: AttributeSource,
  options: EvaluateOptions = {},
): EvaluationResult {
  const ast = typeof expr === 'string' ? parseExpression(expr) : expr;
  const evaluator = new Evaluator(source, resolveOptions(options));
  try {
    return toOutput(evaluator.evaluate(ast));
  } catch (error) {
    if (error instanceof IgnoreFlow) return IGNORED;
    if (error instanceof ExpressionEvaluationError || error instanceof ExpressionSyntaxError) throw error;
    throw new ExpressionEvaluationError(`The expression could not be evaluated: ${messageOf(error)}`, {}, error);
  }
}

function resolveOptions(options: EvaluateOptions): ResolvedOptions {
  return {
    now: options.now ?? (() => new Date()),
    newGuid: options.newGuid ?? (() => globalThis.crypto.randomUUID()),
    random: options.random ?? Math.random,
    isUniqueValue: options.isUniqueValue,
  };
}

/** Converts an internal value to what the public API returns. */
export function toOutput(value: Value): ExpressionValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (Array.isArray(value)) return [...value];
  if (value instanceof DateTimeValue) return formatEntraDate(value);
  return (value as EnumValue).name;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sourceValue(value: AttributeValue): Value {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((v) => String(v));
  return value as Value;
}

/** Walks an AST over one source. */
export class Evaluator {
  private readonly attributes = new Map<string, Value>();
  readonly options: ResolvedOptions;

  constructor(source: AttributeSource, options: ResolvedOptions) {
    for (const [name, value] of Object.entries(source)) {
      const key = name.toLowerCase();
      // With two spellings of one name, the first one present wins.
      if (!this.attributes.has(key) || this.attributes.get(key) === null) this.attributes.set(key, sourceValue(value));
    }
    this.options = options;
  }

  attribute(name: string): Value {
    return this.attributes.get(name.toLowerCase()) ?? null;
  }

  evaluate(node: ExpressionAst): Value {
    switch (node.type) {
      case 'attribute':
        return this.attribute(node.name);
      case 'string':
        return node.value;
      case 'number':
        return node.value;
      case 'enum':
        return new EnumValue(node.name);
      case 'comparison':
        return this.guard('comparison', columnOf(node), () =>
          compareValues(node.operator, this.evaluate(node.left), this.evaluate(node.right)),
        );
      case 'call':
        return this.call(node);
    }
  }

  private call(node: CallNode): Value {
    const impl = FUNCTIONS.get(node.name);
    const column = columnOf(node);
    if (!impl) {
      throw new ExpressionEvaluationError(`${node.name}${at(column)} is not supported`, {
        function: node.name,
        column,
      });
    }
    const cache = new Map<number, Value>();
    const ctx: CallContext = {
      node,
      argCount: node.args.length,
      options: this.options,
      isOmitted: (i) => (node.args[i]?.type ?? 'omitted') === 'omitted',
      arg: (i) => {
        if (cache.has(i)) return cache.get(i)!;
        const arg = node.args[i];
        const value = arg === undefined || arg.type === 'omitted' ? null : this.evaluate(arg);
        cache.set(i, value);
        return value;
      },
      argNode: (i) => node.args[i],
      attribute: (name) => this.attribute(name),
      fail: (message) => {
        throw new ValueError(message);
      },
    };
    return this.guard(node.name, column, () => impl(ctx));
  }

  private guard(fn: string, column: number | undefined, body: () => Value): Value {
    try {
      return body();
    } catch (error) {
      if (error instanceof IgnoreFlow || error instanceof ExpressionEvaluationError) throw error;
      const label = fn === 'comparison' ? 'The comparison' : fn;
      const details = fn === 'comparison' ? { column } : { function: fn, column };
      if (error instanceof ValueError) {
        throw new ExpressionEvaluationError(`${label}${at(column)}: ${error.message}`, details);
      }
      throw new ExpressionEvaluationError(`${label}${at(column)} failed: ${messageOf(error)}`, details, error);
    }
  }
}

function at(column: number | undefined): string {
  return column === undefined ? '' : ` at column ${column}`;
}
