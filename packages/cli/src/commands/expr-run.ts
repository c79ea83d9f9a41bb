import {
  type AttributeSource,
  evaluateExpression,
  findRiskyPatterns,
  IGNORED,
  parseExpression,
} from '@provision/expressions';
import { CliExit, EXIT } from '../io.ts';

/** The options of `provision expr`. */
export interface ExprOptions {
  readonly expression: string;
  readonly attributes: string;
  readonly now?: string;
}

/** Evaluates and renders the result as one JSON text; throws CliExit on bad input or failure. */
export function runExpr(options: ExprOptions): string {
  const source = parseAttributes(options.attributes);
  const now = parseNow(options.now);
  let ast: ReturnType<typeof parseExpression>;
  try {
    ast = parseExpression(options.expression);
  } catch (e) {
    throw new CliExit(EXIT.invalid, syntaxMessage(options.expression, e));
  }
  // A pattern that could hang a backtracking engine is refused before anything runs, as the mapping
  // check refuses it (it would run on RE2 in linear time here, but not in Entra).
  const risky = findRiskyPatterns(ast)[0];
  if (risky) {
    throw new CliExit(
      EXIT.invalid,
      syntaxMessage(options.expression, { message: `${risky.message}, at column ${risky.column}`, details: risky }),
    );
  }
  try {
    const result = evaluateExpression(ast, source, now ? { now: () => now } : {});
    return JSON.stringify(result === IGNORED ? { ignored: true } : result);
  } catch (e) {
    throw new CliExit(EXIT.failed, `error: ${(e as Error).message}`);
  }
}

function parseAttributes(text: string): AttributeSource {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CliExit(EXIT.invalid, `error: --attributes is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliExit(
      EXIT.invalid,
      'error: --attributes must be a JSON object, e.g. {"userPrincipalName": "ada@contoso.com"}',
    );
  }
  for (const [name, v] of Object.entries(value)) {
    const ok =
      v === null ||
      ['string', 'number', 'boolean'].includes(typeof v) ||
      (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (!ok) {
      throw new CliExit(
        EXIT.invalid,
        `error: --attributes: "${name}" must be a string, number, Boolean, null or an array of strings`,
      );
    }
  }
  return value as AttributeSource;
}

function parseNow(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new CliExit(EXIT.invalid, `error: --now: "${text}" is not a date`);
  return date;
}

/** The error with the expression and a caret under the column, as compilers show it. */
function syntaxMessage(expression: string, e: unknown): string {
  const err = e as { message?: string; details?: { column?: unknown } };
  const message = err.message ?? String(e);
  const column = err.details?.column;
  if (typeof column !== 'number' || expression.includes('\n')) return `error: ${message}`;
  return `error: ${message}\n  ${expression}\n  ${' '.repeat(Math.max(0, column - 1))}^`;
}
