import type { ArgumentAst } from '../ast.ts';
import { type FunctionImplementation, IgnoreFlow } from '../context.ts';
import { isNullOrEmpty, single, toBoolean, toText, type Value } from '../values.ts';

// Conditions, null tests and choices.

/** The attribute names an expression reads, in order of appearance. */
export function attributesIn(node: ArgumentAst | undefined, out: string[] = []): string[] {
  if (!node) return out;
  if (node.type === 'attribute') out.push(node.name);
  else if (node.type === 'comparison') {
    attributesIn(node.left, out);
    attributesIn(node.right, out);
  } else if (node.type === 'call') for (const arg of node.args) attributesIn(arg, out);
  return out;
}

/**
 * IIF(condition, valueIfTrue, valueIfFalse). As documented, the condition check fails when an
 * attribute it reads is empty or absent — here an ExpressionEvaluationError that suggests Switch,
 * the documented workaround. Only the chosen branch is evaluated.
 */
const iif: FunctionImplementation = (ctx) => {
  for (const name of attributesIn(ctx.argNode(0))) {
    if (isNullOrEmpty(ctx.attribute(name))) {
      ctx.fail(
        `the condition reads [${name}], which is empty or absent, and Entra fails such a condition; ` +
          `test for empty values with Switch([${name}], [${name}], "", "…") instead`,
      );
    }
  }
  const condition = toBoolean(ctx.arg(0), 'a condition that is True or False');
  return condition ? ctx.arg(1) : ctx.arg(2);
};

/**
 * Switch(source, defaultValue, key1, value1, …): the value of the first key equal to source,
 * compared as text, case-sensitively; an absent source matches the key "" (the documented way to
 * test for empty values); no match → defaultValue (null when omitted).
 * Entra's quirk of evaluating Switch to null when its attribute did not change is not reproduced:
 * an evaluation here always sees the whole source.
 */
const switchFn: FunctionImplementation = (ctx) => {
  const source = toText(ctx.arg(0), 'source value') ?? '';
  for (let i = 2; i + 1 < ctx.argCount; i += 2) {
    if ((toText(ctx.arg(i), 'key') ?? '') === source) return ctx.arg(i + 1);
  }
  return ctx.arg(1);
};

/** Not(source): False when source is True (a boolean or "True" in any case), otherwise True. */
const not: FunctionImplementation = (ctx) => {
  const value = single(ctx.arg(0));
  if (typeof value === 'boolean') return !value;
  return !(typeof value === 'string' && value.trim().toLowerCase() === 'true');
};

/** CBool(expression): True for True/"True"/a non-zero number; False for False/"False"/0/absent. */
const cbool: FunctionImplementation = (ctx) => {
  const value = ctx.arg(0);
  return value === null ? false : toBoolean(value);
};

/** Coalesce(source1, …, defaultValue): the first argument that is not null (nor an empty multi-value). */
const coalesce: FunctionImplementation = (ctx) => {
  for (let i = 0; i < ctx.argCount; i++) {
    const value: Value = ctx.arg(i);
    if (value !== null && !(Array.isArray(value) && value.length === 0)) return value;
  }
  return null;
};

const isNull = (value: Value) => value === null || (Array.isArray(value) && value.length === 0);

/** IsNull(expression): True when the value is null (an absent attribute). */
const isNullFn: FunctionImplementation = (ctx) => isNull(ctx.arg(0));

/** IsNullOrEmpty(expression): True when absent or the empty string. */
const isNullOrEmptyFn: FunctionImplementation = (ctx) => isNullOrEmpty(ctx.arg(0));

/** IsPresent(expression): the inverse of IsNullOrEmpty. */
const isPresent: FunctionImplementation = (ctx) => !isNullOrEmpty(ctx.arg(0));

/** IsString(expression): True when the value is a single string (empty included). */
const isString: FunctionImplementation = (ctx) => {
  const value = ctx.arg(0);
  return typeof value === 'string' || (Array.isArray(value) && value.length === 1);
};

/**
 * IgnoreFlowIfNullOrEmpty(expression): the value, or — when it is null or empty — the whole
 * target attribute is dropped from the flow (evaluateExpression returns IGNORED), wherever the
 * call sits in the expression.
 */
const ignoreFlow: FunctionImplementation = (ctx) => {
  const value = ctx.arg(0);
  if (isNullOrEmpty(value)) throw new IgnoreFlow();
  return value;
};

export const LOGIC_FUNCTIONS: ReadonlyMap<string, FunctionImplementation> = new Map([
  ['CBool', cbool],
  ['Coalesce', coalesce],
  ['IgnoreFlowIfNullOrEmpty', ignoreFlow],
  ['IIF', iif],
  ['IsNull', isNullFn],
  ['IsNullOrEmpty', isNullOrEmptyFn],
  ['IsPresent', isPresent],
  ['IsString', isString],
  ['Not', not],
  ['Switch', switchFn],
]);
