import {
  type AttributeSource,
  type AttributeValue,
  type ExpressionAst,
  evaluateExpression,
  IGNORED,
  parseExpression,
} from '@provision/expressions';
import { attributeOf } from './attributes.ts';
import type { AttributeMapping } from './config/schema.ts';
import { describeExpressionError } from './config/semantic-checks.ts';
import type { DecideOptions, SalesforceFieldValue } from './types.ts';

/** What one mapping yields for one user, before Salesforce's field types are applied. */
export type MappingOutcome =
  | { readonly kind: 'value'; readonly value: string | readonly string[] | boolean }
  /** No value (null, empty, or no source at all): Entra writes nothing, or the default on create. */
  | { readonly kind: 'null' }
  /** IgnoreFlowIfNullOrEmpty dropped the attribute from the flow. */
  | { readonly kind: 'ignored' }
  | { readonly kind: 'error'; readonly message: string };

// Parsed once per expression text; the config check has already proven they parse.
const asts = new Map<string, ExpressionAst>();
function astOf(text: string): ExpressionAst {
  let ast = asts.get(text);
  if (!ast) {
    ast = parseExpression(text);
    if (asts.size > 10_000) asts.clear();
    asts.set(text, ast);
  }
  return ast;
}

/** Evaluates one mapping against the expression source (the user's attributes plus Provision's own). */
export function evaluateMapping(
  mapping: AttributeMapping,
  source: AttributeSource,
  options: DecideOptions = {},
): MappingOutcome {
  try {
    if (mapping.constant !== undefined) return fromValue(mapping.constant);
    if (mapping.source !== undefined) return fromValue(attributeOf(source, mapping.source));
    if (mapping.expression !== undefined) {
      const result = evaluateExpression(astOf(mapping.expression), source, options.expression ?? {});
      return result === IGNORED ? { kind: 'ignored' } : fromValue(result);
    }
    return { kind: 'null' };
  } catch (e) {
    return { kind: 'error', message: describeExpressionError(e) };
  }
}

function fromValue(v: AttributeValue): MappingOutcome {
  if (v === null || v === undefined || v === '') return { kind: 'null' };
  if (typeof v === 'number') return { kind: 'value', value: String(v) };
  if (Array.isArray(v)) {
    const values = v.filter((x) => x !== '');
    return values.length === 0 ? { kind: 'null' } : { kind: 'value', value: [...values] };
  }
  return { kind: 'value', value: v as string | boolean };
}

/** How a Salesforce field takes its value. */
export type FieldType = 'string' | 'boolean' | 'multi';

const BOOLEAN_FIELDS = new Set(['ReceivesInfoEmails', 'ReceivesAdminInfoEmails', 'ForecastEnabled']);

/** The mapping's `type`, or one inferred from the field name (`Is*`, `UserPermissions*`, `UserPreferences*` are Booleans). */
export function fieldTypeOf(mapping: Pick<AttributeMapping, 'target' | 'type'>): FieldType {
  if (mapping.type) return mapping.type;
  const t = mapping.target;
  if (
    /^Is[A-Z]/.test(t) ||
    t.startsWith('UserPermissions') ||
    t.startsWith('UserPreferences') ||
    BOOLEAN_FIELDS.has(t)
  ) {
    return 'boolean';
  }
  return 'string';
}

/** A value shaped for its field, or why it can't be (a warning; the value is then not written). */
export type Coerced = { readonly value: SalesforceFieldValue; readonly note?: string } | { readonly problem: string };

/** Shapes an expression's value for a Salesforce field: "True"/"False" → Boolean, one value of many → the first (with a note). */
export function coerce(value: string | readonly string[] | boolean, type: FieldType): Coerced {
  if (type === 'multi')
    return { value: typeof value === 'string' ? [value] : Array.isArray(value) ? value : [String(value)] };
  if (type === 'boolean') {
    if (typeof value === 'boolean') return { value };
    const text = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
    const lower = typeof text === 'string' ? text.toLowerCase() : undefined;
    if (lower === 'true' || lower === 'false') return { value: lower === 'true' };
    return { problem: `${JSON.stringify(value)} is not a Boolean ("True" or "False")` };
  }
  if (typeof value === 'boolean') return { value: value ? 'True' : 'False' };
  if (typeof value === 'string') return { value };
  const [first] = value as readonly string[];
  if (value.length === 1) return { value: first as string };
  return {
    value: first as string,
    note: `the source has ${value.length} values; the field takes one, so the first ("${first}") is written`,
  };
}
