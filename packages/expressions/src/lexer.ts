import { ExpressionSyntaxError } from './errors.ts';

export type TokenKind =
  | 'attribute'
  | 'string'
  | 'number'
  | 'identifier'
  | '('
  | ')'
  | ','
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** Attribute name, string value, identifier, or the operator itself. */
  readonly text: string;
  /** The number's value, for `number` tokens. */
  readonly value?: number;
  /** 1-based column of the token's first character. */
  readonly column: number;
}

/** Entra refuses expressions longer than this (reference §3.1, known issues). */
export const MAX_EXPRESSION_LENGTH = 10_000;

const DECIMAL = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX = /&[hH]([0-9a-fA-F]+)/y;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const WHITESPACE = /\s/;

/** How a token reads in an error message: `")"`, `"Mid"`, `end of expression`. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of expression';
    case 'attribute':
      return `attribute [${token.text}]`;
    case 'string':
      return `string "${token.text}"`;
    case 'number':
      return `number ${token.text}`;
    case 'identifier':
      return `"${token.text}"`;
    default:
      return `"${token.kind}"`;
  }
}

function fail(column: number, expected: string, found: string, message?: string): never {
  throw new ExpressionSyntaxError(message ?? `Expected ${expected} at column ${column} but found ${found}`, {
    column,
    expected,
    found,
  });
}

/** Splits expression text into tokens, ending with an `end` token. */
export function tokenize(text: string): Token[] {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    fail(
      MAX_EXPRESSION_LENGTH + 1,
      `at most ${MAX_EXPRESSION_LENGTH} characters`,
      `${text.length} characters`,
      `The expression is ${text.length} characters long; Entra allows at most ${MAX_EXPRESSION_LENGTH}`,
    );
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const column = i + 1;
    if (WHITESPACE.test(ch)) {
      i++;
    } else if (ch === '[') {
      const close = text.indexOf(']', i + 1);
      if (close < 0) fail(text.length + 1, '"]" to close the attribute name', 'end of expression');
      const name = text.slice(i + 1, close);
      if (name.trim() === '') fail(i + 2, 'an attribute name', '"]"');
      tokens.push({ kind: 'attribute', text: name, column });
      i = close + 1;
    } else if (ch === '"') {
      i = readString(text, i, tokens);
    } else if (ch === '&') {
      HEX.lastIndex = i;
      const m = HEX.exec(text);
      if (!m) fail(column, 'a hex number such as &HF7', describeChar(text, i));
      tokens.push({ kind: 'number', text: m[0], value: Number.parseInt(m[1]!, 16), column });
      i += m[0].length;
    } else if ((ch >= '0' && ch <= '9') || (ch === '-' && /\d/.test(text[i + 1] ?? ''))) {
      DECIMAL.lastIndex = i;
      const m = DECIMAL.exec(text)!;
      const value = Number(m[0]);
      if (!Number.isFinite(value)) fail(column, 'a finite number', m[0]);
      tokens.push({ kind: 'number', text: m[0], value: value === 0 ? 0 : value, column });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      IDENTIFIER.lastIndex = i;
      const m = IDENTIFIER.exec(text)!;
      tokens.push({ kind: 'identifier', text: m[0], column });
      i += m[0].length;
    } else if (ch === '<' || ch === '>') {
      const two = text.slice(i, i + 2);
      const kind: TokenKind = two === '<>' || two === '<=' || two === '>=' ? two : ch;
      tokens.push({ kind, text: kind, column });
      i += kind.length;
    } else if (ch === '(' || ch === ')' || ch === ',' || ch === '=') {
      tokens.push({ kind: ch, text: ch, column });
      i++;
    } else {
      // Quotes copied from a word processor or a rendered web page are the usual culprit.
      const hint = /[\u2018\u2019\u201c\u201d]/.test(ch) ? '; use straight double quotes (") around strings' : '';
      fail(
        column,
        'an attribute, a string, a number or a function',
        describeChar(text, i),
        `Unexpected ${describeChar(text, i)} at column ${column}${hint}`,
      );
    }
  }
  tokens.push({ kind: 'end', text: '', column: text.length + 1 });
  return tokens;
}

function describeChar(text: string, i: number): string {
  const ch = text[i];
  return ch === undefined ? 'end of expression' : `"${ch}"`;
}

// Backslash escapes \" and \\ (the documented ones). Any other backslash is kept as written, so
// regex patterns typed with a single backslash (`"\d+"`) still mean what the admin meant.
function readString(text: string, start: number, tokens: Token[]): number {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      tokens.push({ kind: 'string', text: value, column: start + 1 });
      return i + 1;
    }
    if (ch === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
      value += text[i + 1];
      i += 2;
    } else {
      value += ch;
      i++;
    }
  }
  return fail(
    text.length + 1,
    "'\"' to close the string",
    'end of expression',
    `Expected '"' at column ${text.length + 1} to close the string that starts at column ${start + 1} but found end of expression`,
  );
}
