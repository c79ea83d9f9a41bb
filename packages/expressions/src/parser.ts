import {
  type ArgumentAst,
  type CallNode,
  type ComparisonOperator,
  type ExpressionAst,
  type OperandAst,
  setColumn,
} from './ast.ts';
import { ExpressionSyntaxError } from './errors.ts';
import { describeToken, type Token, tokenize } from './lexer.ts';
import { FUNCTION_SIGNATURES, type FunctionSignature, findEnum, findSignature } from './signatures.ts';

/** Deeper nesting than this is refused rather than risking the stack. */
export const MAX_NESTING_DEPTH = 200;

const COMPARISON_KINDS = new Set<string>(['=', '<>', '<', '<=', '>', '>=']);

/**
 * Parses an Entra attribute-mapping expression into an AST.
 *
 * Accepts attributes `[name]`, string constants `"…"` (escapes `\"` and `\\`), numbers (`8`, `-10`,
 * `&HF7`), the enums `vbBinaryCompare`/`vbTextCompare`, calls of the functions of reference §3.2
 * (names matched case-insensitively and stored in their canonical spelling), omitted optional
 * arguments, and one comparison (`=`, `<>`, `<`, `<=`, `>`, `>=`) per argument, as in IIF conditions.
 * Argument counts are checked against each function's signature.
 *
 * @throws ExpressionSyntaxError with `details.column` (1-based), `expected` and `found`.
 */
export function parseExpression(text: string): ExpressionAst {
  const parser = new Parser(tokenize(text));
  const ast = parser.expression(0);
  parser.expectEnd();
  return ast;
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private fail(token: Token, expected: string, message?: string): never {
    const found = describeToken(token);
    throw new ExpressionSyntaxError(message ?? `Expected ${expected} at column ${token.column} but found ${found}`, {
      column: token.column,
      expected,
      found,
    });
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind === 'end') return;
    if (COMPARISON_KINDS.has(token.kind)) {
      this.fail(
        token,
        'end of expression',
        `Comparisons cannot be chained: unexpected "${token.kind}" at column ${token.column}; nest IIF instead`,
      );
    }
    this.fail(token, 'end of expression');
  }

  expression(depth: number): ExpressionAst {
    const left = this.operand(depth);
    const op = this.peek();
    if (!COMPARISON_KINDS.has(op.kind)) return left;
    this.next();
    const right = this.operand(depth);
    const node = { type: 'comparison' as const, operator: op.kind as ComparisonOperator, left, right };
    setColumn(node, op.column);
    return node;
  }

  private operand(depth: number): OperandAst {
    if (depth > MAX_NESTING_DEPTH) {
      this.fail(
        this.peek(),
        `at most ${MAX_NESTING_DEPTH} nested functions`,
        `Functions are nested more than ${MAX_NESTING_DEPTH} deep at column ${this.peek().column}`,
      );
    }
    const token = this.next();
    let node: OperandAst;
    switch (token.kind) {
      case 'attribute':
        node = { type: 'attribute', name: token.text };
        break;
      case 'string':
        node = { type: 'string', value: token.text };
        break;
      case 'number':
        node = { type: 'number', value: token.value! };
        break;
      case 'identifier':
        node = this.peek().kind === '(' ? this.call(token, depth) : this.enumeration(token);
        break;
      default:
        return this.fail(token, 'an attribute, a string, a number or a function');
    }
    setColumn(node, token.column);
    return node;
  }

  private enumeration(token: Token): OperandAst {
    const name = findEnum(token.text);
    if (name !== undefined) return { type: 'enum', name };
    if (findSignature(token.text))
      this.fail(
        this.peek(),
        '"("',
        `Expected "(" after ${token.text} at column ${this.peek().column} but found ${describeToken(this.peek())}`,
      );
    return this.fail(
      token,
      'an attribute, a string, a number or a function',
      `Unknown name "${token.text}" at column ${token.column}: attributes go in brackets ([${token.text}]) and strings in double quotes`,
    );
  }

  private call(nameToken: Token, depth: number): CallNode {
    const signature = findSignature(nameToken.text);
    if (!signature) {
      const suggestion = suggestFunction(nameToken.text);
      this.fail(
        nameToken,
        'a known function',
        `Unknown function "${nameToken.text}" at column ${nameToken.column}${suggestion ? `; did you mean ${suggestion}?` : ''}`,
      );
    }
    this.next(); // (
    const args: ArgumentAst[] = [];
    const argColumns: number[] = [];
    if (this.peek().kind === ')') {
      this.next();
    } else {
      for (;;) {
        const token = this.peek();
        argColumns.push(token.column);
        if (token.kind === ',' || token.kind === ')') {
          const omitted = { type: 'omitted' as const };
          setColumn(omitted, token.column);
          args.push(omitted);
        } else {
          args.push(this.expression(depth + 1));
        }
        const sep = this.next();
        if (sep.kind === ')') break;
        if (sep.kind !== ',') this.fail(sep, '"," or ")"');
      }
    }
    checkArguments(signature, args, argColumns, nameToken, depth);
    return { type: 'call', name: signature.name, args };
  }
}

function arityText(signature: FunctionSignature): string {
  const names = signature.params.map((p) => (p.optional ? `[${p.name}]` : p.name));
  if (signature.rest) names.push(`${signature.rest.name}…`);
  if (signature.pairs) names.push('key, value, …');
  return `${signature.name}(${names.join(', ')})`;
}

function checkArguments(
  signature: FunctionSignature,
  args: readonly ArgumentAst[],
  argColumns: readonly number[],
  nameToken: Token,
  depth: number,
): void {
  const where = `at column ${nameToken.column}`;
  const fail = (expected: string, found: string, message: string): never => {
    throw new ExpressionSyntaxError(message, { column: nameToken.column, expected, found });
  };
  if (signature.topLevelOnly && depth > 0) {
    fail(
      'a top-level call',
      'a nested call',
      `${signature.name} ${where} must be the whole expression; it cannot be nested`,
    );
  }
  const fixed = signature.params.length;
  const required = signature.params.filter((p) => !p.optional).length;
  const usage = arityText(signature);
  if (signature.rest) {
    const min = fixed + signature.rest.min;
    if (args.length < min) {
      fail(
        `at least ${min} arguments`,
        `${args.length}`,
        `${signature.name} ${where} takes at least ${min} argument${min === 1 ? '' : 's'} but got ${args.length}: ${usage}`,
      );
    }
  } else if (signature.pairs) {
    const pairCount = args.length - fixed;
    if (args.length < fixed + 2 || pairCount % 2 !== 0) {
      fail(
        'source, defaultValue, then key/value pairs',
        `${args.length} arguments`,
        `${signature.name} ${where} takes its keys and values in pairs after the source and default value, but got ${args.length} arguments: ${usage}`,
      );
    }
  } else if (args.length < required || args.length > fixed) {
    const count = required === fixed ? `${fixed}` : `${required} to ${fixed}`;
    fail(
      `${count} arguments`,
      `${args.length}`,
      `${signature.name} ${where} takes ${count} argument${count === '1' ? '' : 's'} but got ${args.length}: ${usage}`,
    );
  }
  signature.params.forEach((param, i) => {
    if (!param.optional && args[i]?.type === 'omitted') {
      const column = argColumns[i] ?? nameToken.column;
      throw new ExpressionSyntaxError(
        `${signature.name} needs its "${param.name}" argument (argument ${i + 1}) at column ${column}`,
        { column, expected: `the "${param.name}" argument`, found: 'an empty argument' },
      );
    }
  });
}

// Edit distance, to suggest the function an admin probably meant ("Substr" → "Mid" is beyond it).
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function suggestFunction(name: string): string | undefined {
  const lower = name.toLowerCase();
  let best: { name: string; score: number } | undefined;
  for (const signature of FUNCTION_SIGNATURES) {
    const score = distance(lower, signature.name.toLowerCase());
    if (score <= (lower.length <= 4 ? 1 : 2) && (!best || score < best.score)) best = { name: signature.name, score };
  }
  return best && `"${best.name}"`;
}
