// A conservative check for patterns whose matching time can explode on a backtracking engine
// (ReDoS): the same text matched in exponentially many ways by a loop, or polynomially many by
// two adjacent loops. It reads .NET/JavaScript regex syntax into a small tree and looks for the
// known shapes (`(a+)+`, `(\w+\s?)+`, `(a|a)*`, `(.*,)+`, `\w+\s?\w+` inside a loop). It may
// flag a pattern that is in fact harmless; it is meant not to miss the shapes above.

import { type CharSet, charSetOf, EMPTY, FULL, intersects, isEmpty, union } from './char-set.ts';

/** A reason a pattern is unsafe to run on a backtracking engine, and where. */
export interface BacktrackingRisk {
  /** 0-based index in the pattern of the construct at fault. */
  readonly index: number;
  readonly message: string;
}

type Node =
  | { kind: 'char'; set: CharSet }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; alts: Node[]; index: number }
  | { kind: 'repeat'; body: Node; min: number; max: number; index: number; end: number }
  | { kind: 'empty' }
  /** A back-reference may match any text, of any length. */
  | { kind: 'backref' };

// A quantifier whose count may vary this much is a loop the engine can split text across.
const MANY = 10;

/**
 * Looks for nested or overlapping quantifiers. `strict` also flags what is only polynomial at the
 * top level (two adjacent loops over the same characters), for patterns run on a backtracking
 * engine. Returns null when nothing is found, and also when the pattern does not parse (its syntax
 * error is reported by whoever compiles it).
 */
export function findBacktrackingRisk(pattern: string, options: { strict?: boolean } = {}): BacktrackingRisk | null {
  let tree: Node;
  try {
    tree = new RegexReader(pattern).read();
  } catch {
    return null;
  }
  return riskIn(tree, pattern, false, options.strict ?? false);
}

function riskIn(node: Node, pattern: string, inLoop: boolean, strict: boolean): BacktrackingRisk | null {
  switch (node.kind) {
    case 'char':
    case 'empty':
    case 'backref':
      return null;
    case 'alt': {
      if (inLoop) {
        for (let i = 0; i < node.alts.length; i++) {
          for (let j = i + 1; j < node.alts.length; j++) {
            const a = node.alts[i]!;
            const b = node.alts[j]!;
            if (intersects(first(a), first(b)) || (nullable(a) && nullable(b))) {
              return {
                index: node.index,
                message: 'alternatives that can match the same text, under a quantifier (as in (a|a)*)',
              };
            }
          }
        }
      }
      for (const alt of node.alts) {
        const risk = riskIn(alt, pattern, inLoop, strict);
        if (risk) return risk;
      }
      return null;
    }
    case 'seq': {
      if (inLoop || strict) {
        const risk = adjacentLoops(node.items, pattern);
        if (risk) return risk;
      }
      for (const item of node.items) {
        const risk = riskIn(item, pattern, inLoop, strict);
        if (risk) return risk;
      }
      return null;
    }
    case 'repeat': {
      const loops = node.max >= MANY && !nullableOnly(node.body);
      if (loops) {
        const risk = nestedLoop(node, pattern);
        if (risk) return risk;
      }
      return riskIn(node.body, pattern, inLoop || loops, strict);
    }
  }
}

// An outer loop over a body whose own inner loop can run on into the next iteration: `(a+)+`,
// `(\w+\s?)+`, `(.*,)+`. The text can then be split between iterations in exponentially many ways.
function nestedLoop(outer: Extract<Node, { kind: 'repeat' }>, pattern: string): BacktrackingRisk | null {
  const head = first(outer.body);
  const tail = last(outer.body);
  let found: BacktrackingRisk | null = null;
  const visit = (node: Node, headOpen: boolean, tailOpen: boolean): void => {
    if (found) return;
    switch (node.kind) {
      case 'seq': {
        node.items.forEach((item, i) => {
          const before = node.items.slice(0, i).every(nullable);
          const after = node.items.slice(i + 1).every(nullable);
          visit(item, headOpen && before, tailOpen && after);
        });
        return;
      }
      case 'alt':
        for (const alt of node.alts) visit(alt, headOpen, tailOpen);
        return;
      case 'repeat': {
        const varies = node.max > node.min && !nullableOnly(node.body);
        const chars = charsOf(node.body);
        if (varies && ((tailOpen && intersects(chars, head)) || (headOpen && intersects(chars, tail)))) {
          found = {
            index: node.index,
            message: `nested quantifier: "${pattern.slice(node.index, node.end)}" can run on into the next repetition of "${pattern.slice(outer.index, outer.end)}" (as in (a+)+)`,
          };
          return;
        }
        visit(node.body, headOpen, tailOpen);
        return;
      }
      case 'backref':
        found = { index: outer.index, message: 'a back-reference under a quantifier' };
        return;
      default:
        return;
    }
  };
  visit(outer.body, true, true);
  return found;
}

// Two loops over overlapping characters with nothing required between them: `\w+\s?\w+`.
function adjacentLoops(items: readonly Node[], pattern: string): BacktrackingRisk | null {
  for (let i = 0; i < items.length; i++) {
    const tail = trailingLoop(items[i]!);
    if (tail === null) continue;
    for (let j = i + 1; j < items.length; j++) {
      const head = leadingLoop(items[j]!);
      if (head !== null && intersects(tail.chars, head.chars)) {
        return {
          index: head.index,
          message: `adjacent quantifiers over the same characters: "${pattern.slice(tail.index, tail.end)}" and "${pattern.slice(head.index, head.end)}"`,
        };
      }
      if (!nullable(items[j]!)) break;
    }
  }
  return null;
}

type Loop = { chars: CharSet; index: number; end: number };

function trailingLoop(node: Node): Loop | null {
  return edgeLoop(node, (items) => [...items].reverse());
}

function leadingLoop(node: Node): Loop | null {
  return edgeLoop(node, (items) => items);
}

function edgeLoop(node: Node, order: (items: readonly Node[]) => readonly Node[]): Loop | null {
  switch (node.kind) {
    case 'repeat':
      if (node.max >= MANY && node.max > node.min && !nullableOnly(node.body)) {
        return { chars: charsOf(node.body), index: node.index, end: node.end };
      }
      return node.min === 0 ? null : edgeLoop(node.body, order);
    case 'seq':
      for (const item of order(node.items)) {
        const loop = edgeLoop(item, order);
        if (loop) return loop;
        if (!nullable(item)) return null;
      }
      return null;
    case 'alt':
      for (const alt of node.alts) {
        const loop = edgeLoop(alt, order);
        if (loop) return loop;
      }
      return null;
    default:
      return null;
  }
}

function nullable(node: Node): boolean {
  switch (node.kind) {
    case 'char':
      return false;
    case 'seq':
      return node.items.every(nullable);
    case 'alt':
      return node.alts.some(nullable);
    case 'repeat':
      return node.min === 0 || nullable(node.body);
    default:
      return true;
  }
}

// Matches only the empty string (`(?:)*`, `(^)+`): repeating it splits nothing.
function nullableOnly(node: Node): boolean {
  return isEmpty(charsOf(node)) && !hasBackref(node);
}

function hasBackref(node: Node): boolean {
  switch (node.kind) {
    case 'backref':
      return true;
    case 'seq':
      return node.items.some(hasBackref);
    case 'alt':
      return node.alts.some(hasBackref);
    case 'repeat':
      return hasBackref(node.body);
    default:
      return false;
  }
}

function first(node: Node): CharSet {
  switch (node.kind) {
    case 'char':
      return node.set;
    case 'backref':
      return FULL;
    case 'empty':
      return EMPTY;
    case 'alt':
      return node.alts.map(first).reduce(union, EMPTY);
    case 'repeat':
      return first(node.body);
    case 'seq': {
      let set = EMPTY;
      for (const item of node.items) {
        set = union(set, first(item));
        if (!nullable(item)) break;
      }
      return set;
    }
  }
}

function last(node: Node): CharSet {
  return first(reversed(node));
}

function reversed(node: Node): Node {
  switch (node.kind) {
    case 'seq':
      return { kind: 'seq', items: [...node.items].reverse().map(reversed) };
    case 'alt':
      return { ...node, alts: node.alts.map(reversed) };
    case 'repeat':
      return { ...node, body: reversed(node.body) };
    default:
      return node;
  }
}

function charsOf(node: Node): CharSet {
  switch (node.kind) {
    case 'char':
      return node.set;
    case 'backref':
      return FULL;
    case 'empty':
      return EMPTY;
    case 'alt':
      return node.alts.map(charsOf).reduce(union, EMPTY);
    case 'seq':
      return node.items.map(charsOf).reduce(union, EMPTY);
    case 'repeat':
      return charsOf(node.body);
  }
}

/** Reads the syntax .NET and JavaScript share (plus .NET's group forms) into a `Node` tree. */
class RegexReader {
  private pos = 0;
  private readonly src: string;
  private readonly ignoreCase: boolean;

  constructor(src: string) {
    this.src = src;
    this.ignoreCase = /\(\?[a-z]*i[a-z]*[:)]/.test(src);
  }

  read(): Node {
    const node = this.alternation();
    if (this.pos < this.src.length) throw new Error(`unexpected ${this.src[this.pos]}`);
    return node;
  }

  private alternation(): Node {
    const index = this.pos;
    const alts = [this.sequence()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      alts.push(this.sequence());
    }
    return alts.length === 1 ? alts[0]! : { kind: 'alt', alts, index };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length && this.src[this.pos] !== '|' && this.src[this.pos] !== ')') {
      const start = this.pos;
      const atom = this.atom();
      items.push(this.quantified(atom, start));
    }
    return items.length === 1 ? items[0]! : { kind: 'seq', items };
  }

  private quantified(atom: Node, start: number): Node {
    const q = /^(?:([*+?])|\{(\d+)(,(\d*))?\})[?+]?/.exec(this.src.slice(this.pos));
    if (!q) return atom;
    this.pos += q[0].length;
    let min: number;
    let max: number;
    if (q[1] === '*') [min, max] = [0, Infinity];
    else if (q[1] === '+') [min, max] = [1, Infinity];
    else if (q[1] === '?') [min, max] = [0, 1];
    else {
      min = Number(q[2]);
      max = q[3] === undefined ? min : q[4] === '' ? Infinity : Number(q[4]);
    }
    return this.quantified({ kind: 'repeat', body: atom, min, max, index: start, end: this.pos }, start);
  }

  private atom(): Node {
    const c = this.src[this.pos]!;
    if (c === '(') return this.group();
    if (c === '[') return { kind: 'char', set: this.charClass() };
    if (c === '\\') return this.escape();
    this.pos++;
    if (c === '^' || c === '$') return { kind: 'empty' };
    if (c === '.') return { kind: 'char', set: FULL };
    if (c === '*' || c === '+' || c === '?') throw new Error('nothing to repeat');
    const code = this.src.codePointAt(this.pos - 1)!;
    if (code > 0xffff) this.pos++;
    return { kind: 'char', set: this.literal(code) };
  }

  private group(): Node {
    this.pos++;
    const rest = this.src.slice(this.pos);
    const opener = /^\?(?:<?[=!]|[:>]|<[A-Za-z_]\w*>|'[A-Za-z_]\w*'|P<[A-Za-z_]\w*>|[imsxn-]+[:)])?/.exec(rest);
    let lookaround = false;
    if (rest.startsWith('?')) {
      if (!opener || opener[0] === '?') throw new Error('unknown group');
      this.pos += opener[0].length;
      lookaround = /^\?<?[=!]/.test(opener[0]);
      if (opener[0].endsWith(')')) return { kind: 'empty' };
    }
    const body = this.alternation();
    if (this.src[this.pos] !== ')') throw new Error('unterminated group');
    this.pos++;
    // A lookaround consumes nothing; what it tests is checked as a pattern of its own.
    return lookaround ? { kind: 'empty' } : body;
  }

  private escape(): Node {
    const next = this.src[this.pos + 1];
    if (next === undefined) throw new Error('trailing backslash');
    if (/[bBAzZG]/.test(next)) {
      this.pos += 2;
      return { kind: 'empty' };
    }
    if (/[1-9]/.test(next) || (next === 'k' && /^\\k[<']/.test(this.src.slice(this.pos)))) {
      const m = /^\\(?:\d+|k<[^>]*>|k'[^']*')/.exec(this.src.slice(this.pos))!;
      this.pos += m[0].length;
      return { kind: 'backref' };
    }
    return { kind: 'char', set: this.classEscape() };
  }

  // An escape that stands for one character or a class of characters (inside or outside [...]).
  private classEscape(): CharSet {
    const rest = this.src.slice(this.pos);
    const named = /^\\[pP]\{[^}]*\}/.exec(rest);
    if (named) {
      this.pos += named[0].length;
      return FULL;
    }
    const hex = /^\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|x\{([0-9a-fA-F]+)\}|u\{([0-9a-fA-F]+)\}|c([A-Za-z]))/.exec(
      rest,
    );
    if (hex) {
      this.pos += hex[0].length;
      const code = hex[5]
        ? hex[5].toUpperCase().charCodeAt(0) % 32
        : Number.parseInt(hex[1] ?? hex[2] ?? hex[3] ?? hex[4]!, 16);
      return this.literal(code);
    }
    const c = rest[1]!;
    this.pos += 2;
    const classes: Record<string, CharSet> = {
      d: charSetOf('digit'),
      D: charSetOf('digit', true),
      w: charSetOf('word'),
      W: charSetOf('word', true),
      s: charSetOf('space'),
      S: charSetOf('space', true),
    };
    const controls: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13, e: 27, a: 7, '0': 0 };
    if (classes[c]) return classes[c];
    return this.literal(controls[c] ?? c.codePointAt(0)!);
  }

  private charClass(): CharSet {
    this.pos++;
    let negated = false;
    if (this.src[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    let set = EMPTY;
    let firstItem = true;
    while (this.pos < this.src.length && (this.src[this.pos] !== ']' || firstItem)) {
      firstItem = false;
      // .NET's subtraction [a-z-[aeiou]]: the base alone is a superset, which is enough here.
      if (this.src.startsWith('-[', this.pos)) {
        this.charClass();
        continue;
      }
      const from = this.classAtom();
      if (this.src[this.pos] === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined) {
        this.pos++;
        const to = this.classAtom();
        set = union(set, rangeOf(from, to, this.ignoreCase));
      } else set = union(set, from);
    }
    if (this.src[this.pos] !== ']') throw new Error('unterminated class');
    this.pos++;
    return negated ? charSetOf('negate', false, set) : set;
  }

  private classAtom(): CharSet {
    if (this.src[this.pos] === '\\') {
      if (this.src[this.pos + 1] === 'b') {
        this.pos += 2;
        return this.literal(8);
      }
      return this.classEscape();
    }
    const code = this.src.codePointAt(this.pos)!;
    this.pos += code > 0xffff ? 2 : 1;
    return this.literal(code);
  }

  private literal(code: number): CharSet {
    return rangeOf([[code, code]], [[code, code]], this.ignoreCase);
  }
}

// A class range (`a-z`) from two single-character sets; a class escape as an end keeps both sets.
function rangeOf(from: CharSet, to: CharSet, ignoreCase: boolean): CharSet {
  const single = (s: CharSet) => (s.length === 1 && s[0]![0] === s[0]![1] ? s[0]![0] : null);
  const a = single(from);
  const b = single(to);
  const base: CharSet = a !== null && b !== null && a <= b ? [[a, b]] : union(from, to);
  return ignoreCase ? charSetOf('fold', false, base) : base;
}
