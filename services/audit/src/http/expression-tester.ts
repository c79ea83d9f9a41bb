import {
  type AttributeSource,
  evaluateExpression,
  findRiskyPatterns,
  IGNORED,
  parseExpression,
  referencedAttributes,
} from '@provision/expressions';

/** What the console's expression tester answers: the value, or where and why the expression failed. */
export type ExpressionAnswer =
  | { ok: true; result: unknown; ignored: boolean; attributes: string[] }
  | { ok: false; stage: 'syntax' | 'evaluation'; message: string; column: number | null; attributes: string[] };

const MAX_EXPRESSION = 4_000;

/**
 * Entra's "test expression", as `provision expr` runs it: parse, refuse a pattern that could hang a
 * backtracking engine, evaluate against the given attributes. A bad request body is `{ problem }`.
 */
export function evaluateForConsole(body: unknown): ExpressionAnswer | { problem: string } {
  if (typeof body !== 'object' || body === null) return { problem: 'The body must be a JSON object' };
  const { expression, attributes = {}, now } = body as Record<string, unknown>;
  if (typeof expression !== 'string' || expression.trim() === '') {
    return { problem: "Body field 'expression': expected the expression text" };
  }
  if (expression.length > MAX_EXPRESSION) {
    return { problem: `Body field 'expression': longer than ${MAX_EXPRESSION} characters` };
  }
  const source = attributeSource(attributes);
  if (typeof source === 'string') return { problem: source };
  let clock: Date | undefined;
  if (now !== undefined && now !== null && now !== '') {
    clock = typeof now === 'string' ? new Date(now) : new Date(Number.NaN);
    if (Number.isNaN(clock.getTime())) return { problem: "Body field 'now': expected an ISO-8601 time" };
  }
  let ast: ReturnType<typeof parseExpression>;
  try {
    ast = parseExpression(expression);
  } catch (e) {
    return { ok: false, stage: 'syntax', ...describe(e), attributes: [] };
  }
  const attributesUsed = [...referencedAttributes(ast)];
  const risky = findRiskyPatterns(ast)[0];
  if (risky) {
    return { ok: false, stage: 'syntax', message: risky.message, column: risky.column, attributes: attributesUsed };
  }
  try {
    const result = evaluateExpression(ast, source, clock ? { now: () => clock } : {});
    return result === IGNORED
      ? { ok: true, result: null, ignored: true, attributes: attributesUsed }
      : { ok: true, result, ignored: false, attributes: attributesUsed };
  } catch (e) {
    return { ok: false, stage: 'evaluation', ...describe(e), attributes: attributesUsed };
  }
}

function describe(e: unknown): { message: string; column: number | null } {
  const err = e as { message?: string; details?: { column?: unknown } };
  const column = err.details?.column;
  return { message: err.message ?? String(e), column: typeof column === 'number' ? column : null };
}

function attributeSource(value: unknown): AttributeSource | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return "Body field 'attributes': expected a JSON object of attribute → value";
  }
  for (const [name, v] of Object.entries(value)) {
    const ok =
      v === null ||
      ['string', 'number', 'boolean'].includes(typeof v) ||
      (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (!ok) return `Body field 'attributes.${name}': expected a string, number, Boolean, null or an array of strings`;
  }
  return value as AttributeSource;
}
