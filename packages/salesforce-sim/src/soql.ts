// A small SOQL parser: the statements a provisioning system sends (SELECT fields FROM one object,
// WHERE with =, !=, <>, <, <=, >, >=, IN, NOT IN, LIKE, AND, OR, NOT, parentheses; ORDER BY;
// LIMIT; OFFSET; COUNT()). Errors carry the position so that the server can answer the way
// Salesforce does (MALFORMED_QUERY with a caret under the offending token).

export type Literal = string | number | boolean | null | { readonly date: string };

export interface FieldRef {
  /** The path as written, e.g. `Profile.Name`. */
  readonly path: string;
  readonly pos: number;
}

export type Condition =
  | { readonly kind: 'compare'; readonly field: FieldRef; readonly op: CompareOp; readonly value: Literal }
  | { readonly kind: 'in'; readonly field: FieldRef; readonly negated: boolean; readonly values: readonly Literal[] }
  | { readonly kind: 'like'; readonly field: FieldRef; readonly pattern: string }
  | { readonly kind: 'and' | 'or'; readonly terms: readonly Condition[] }
  | { readonly kind: 'not'; readonly term: Condition };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface OrderItem {
  readonly field: FieldRef;
  readonly descending: boolean;
  readonly nullsLast: boolean;
}

export interface SoqlQuery {
  /** `count` for `SELECT COUNT()`. */
  readonly select: readonly FieldRef[] | 'count';
  readonly from: { readonly name: string; readonly pos: number };
  readonly where?: Condition;
  readonly orderBy: readonly OrderItem[];
  readonly limit?: number;
  readonly offset?: number;
}

/** A syntax error at a position of the statement (0-based offset). */
export class SoqlSyntaxError extends Error {
  readonly pos: number;
  constructor(message: string, pos: number) {
    super(message);
    this.name = 'SoqlSyntaxError';
    this.pos = pos;
  }
}

type TokenType = 'ident' | 'string' | 'number' | 'date' | 'op' | 'punct' | 'eof';
interface Token {
  readonly type: TokenType;
  readonly value: string;
  readonly pos: number;
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
  // SOQL keeps \_ and \% escaped for LIKE; we mark them with a private-use prefix.
  _: '\uE000_',
  '%': '\uE000%',
};

// Sticky expressions match at an offset without copying the rest of the statement (IN lists are long).
const DATE = /\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2}))?/y;
const NUMBER = /-?\d+(\.\d+)?/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const OPERATOR = /<=|>=|!=|<>|=|<|>/y;
const SPACE = /\s/;

function match(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new SoqlSyntaxError('line 1:' + start + " mismatched character '<EOF>'", start);
        const ch = text[i]!;
        if (ch === '\\') {
          const next = text[i + 1];
          const mapped = next === undefined ? undefined : ESCAPES[next];
          if (mapped === undefined)
            throw new SoqlSyntaxError(`Invalid string literal '${text.slice(start, i + 2)}'`, i);
          value += mapped;
          i += 2;
          continue;
        }
        if (ch === "'") {
          i++;
          break;
        }
        value += ch;
        i++;
      }
      tokens.push({ type: 'string', value, pos: start });
      continue;
    }
    const date = match(DATE, text, i);
    if (date) {
      tokens.push({ type: 'date', value: date[0], pos: start });
      i += date[0].length;
      continue;
    }
    const num = match(NUMBER, text, i);
    if (num) {
      tokens.push({ type: 'number', value: num[0], pos: start });
      i += num[0].length;
      continue;
    }
    const ident = match(IDENT, text, i);
    if (ident) {
      tokens.push({ type: 'ident', value: ident[0], pos: start });
      i += ident[0].length;
      continue;
    }
    const op = match(OPERATOR, text, i);
    if (op) {
      tokens.push({ type: 'op', value: op[0] === '<>' ? '!=' : op[0], pos: start });
      i += op[0].length;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: 'punct', value: c, pos: start });
      i++;
      continue;
    }
    throw new SoqlSyntaxError(`unexpected token: '${c}'`, start);
  }
  tokens.push({ type: 'eof', value: '<EOF>', pos: text.length });
  return tokens;
}

class Parser {
  readonly #tokens: Token[];
  #at = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  peek(): Token {
    return this.#tokens[this.#at]!;
  }

  next(): Token {
    const t = this.#tokens[this.#at]!;
    if (t.type !== 'eof') this.#at++;
    return t;
  }

  isKeyword(word: string, offset = 0): boolean {
    const t = this.#tokens[this.#at + offset];
    return t !== undefined && t.type === 'ident' && t.value.toUpperCase() === word;
  }

  /** Consumes a keyword if it is next. */
  accept(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.next();
    return true;
  }

  unexpected(t: Token = this.peek()): never {
    throw new SoqlSyntaxError(`unexpected token: '${t.value}'`, t.pos);
  }

  keyword(word: string): Token {
    if (!this.isKeyword(word)) this.unexpected();
    return this.next();
  }

  punct(value: string): void {
    const t = this.peek();
    if (t.type !== 'punct' || t.value !== value) this.unexpected();
    this.next();
  }

  fieldRef(): FieldRef {
    const t = this.peek();
    if (t.type !== 'ident') this.unexpected();
    this.next();
    return { path: t.value, pos: t.pos };
  }

  query(): SoqlQuery {
    this.keyword('SELECT');
    let select: FieldRef[] | 'count';
    if (this.isKeyword('COUNT') && this.#tokens[this.#at + 1]?.value === '(') {
      this.next();
      this.punct('(');
      this.punct(')');
      select = 'count';
    } else {
      select = [this.fieldRef()];
      while (this.peek().value === ',') {
        this.next();
        select.push(this.fieldRef());
      }
    }
    this.keyword('FROM');
    const fromToken = this.peek();
    if (fromToken.type !== 'ident' || fromToken.value.includes('.')) this.unexpected();
    this.next();
    const where = this.accept('WHERE') ? this.condition() : undefined;
    const orderBy: OrderItem[] = [];
    if (this.isKeyword('ORDER')) {
      this.next();
      this.keyword('BY');
      do {
        if (orderBy.length > 0) this.next();
        const field = this.fieldRef();
        let descending = false;
        if (this.isKeyword('ASC')) this.next();
        else if (this.isKeyword('DESC')) {
          this.next();
          descending = true;
        }
        let nullsLast = descending;
        if (this.isKeyword('NULLS')) {
          this.next();
          if (this.isKeyword('FIRST')) nullsLast = false;
          else if (this.isKeyword('LAST')) nullsLast = true;
          else this.unexpected();
          this.next();
        }
        orderBy.push({ field, descending, nullsLast });
      } while (this.peek().value === ',');
    }
    const limit = this.accept('LIMIT') ? this.integer() : undefined;
    const offset = this.accept('OFFSET') ? this.integer() : undefined;
    if (this.peek().type !== 'eof') this.unexpected();
    return {
      select,
      from: { name: fromToken.value, pos: fromToken.pos },
      ...(where ? { where } : {}),
      orderBy,
      ...(limit !== undefined ? { limit } : {}),
      ...(offset !== undefined ? { offset } : {}),
    };
  }

  integer(): number {
    const t = this.peek();
    if (t.type !== 'number' || !/^\d+$/.test(t.value)) this.unexpected();
    this.next();
    return Number(t.value);
  }

  // SOQL refuses AND and OR mixed at one level without parentheses.
  condition(): Condition {
    const first = this.unary();
    const joiner = this.isKeyword('AND') ? 'AND' : this.isKeyword('OR') ? 'OR' : undefined;
    if (!joiner) return first;
    const terms = [first];
    while (this.isKeyword(joiner)) {
      this.next();
      terms.push(this.unary());
    }
    if (this.isKeyword(joiner === 'AND' ? 'OR' : 'AND')) this.unexpected();
    return { kind: joiner === 'AND' ? 'and' : 'or', terms };
  }

  unary(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', term: this.unary() };
    }
    if (this.peek().value === '(' && this.peek().type === 'punct') {
      this.next();
      const inner = this.condition();
      this.punct(')');
      return inner;
    }
    const field = this.fieldRef();
    const t = this.peek();
    if (t.type === 'op') {
      this.next();
      return { kind: 'compare', field, op: t.value as CompareOp, value: this.literal() };
    }
    if (this.isKeyword('LIKE')) {
      this.next();
      const p = this.peek();
      if (p.type !== 'string') this.unexpected();
      this.next();
      return { kind: 'like', field, pattern: p.value };
    }
    let negated = false;
    if (this.isKeyword('NOT') && this.isKeyword('IN', 1)) {
      this.next();
      negated = true;
    }
    if (this.isKeyword('IN')) {
      this.next();
      this.punct('(');
      const values = [this.literal()];
      while (this.peek().value === ',') {
        this.next();
        values.push(this.literal());
      }
      this.punct(')');
      return { kind: 'in', field, negated, values };
    }
    return this.unexpected();
  }

  literal(): Literal {
    const t = this.next();
    switch (t.type) {
      case 'string':
        return t.value;
      case 'number':
        return Number(t.value);
      case 'date':
        return { date: t.value };
      case 'ident': {
        const upper = t.value.toUpperCase();
        if (upper === 'TRUE') return true;
        if (upper === 'FALSE') return false;
        if (upper === 'NULL') return null;
        return this.unexpected(t);
      }
      default:
        return this.unexpected(t);
    }
  }
}

/** Parses one SOQL statement; throws SoqlSyntaxError with the position of the first bad token. */
export function parseSoql(text: string): SoqlQuery {
  return new Parser(tokenize(text)).query();
}

/** Whether a SOQL LIKE pattern (% and _ wildcards, case-insensitive) matches a value. */
export function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\uE000') {
      source += escapeRegExp(pattern[++i] ?? '');
    } else if (c === '%') source += '.*';
    else if (c === '_') source += '.';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 'is');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Turns an offset into Salesforce's `ERROR at Row:r:Column:c` message with the statement and a caret. */
export function describeSoqlPosition(text: string, pos: number, detail: string): string {
  const before = text.slice(0, pos);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = pos - lineStart + 1;
  const lineEnd = text.indexOf('\n', pos);
  const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  return `\n${line}\n${' '.repeat(column - 1)}^\nERROR at Row:${row}:Column:${column}\n${detail}`;
}
