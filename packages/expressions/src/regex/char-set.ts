/** A set of code points as sorted, disjoint, inclusive ranges. */
export type CharSet = readonly (readonly [number, number])[];

const MAX = 0x10ffff;

export const EMPTY: CharSet = [];
export const FULL: CharSet = [[0, MAX]];

const DIGIT: CharSet = [[0x30, 0x39]];
const SPACE: CharSet = normalize([
  [0x09, 0x0d],
  [0x20, 0x20],
  [0x85, 0x85],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
]);
// .NET's \w is Unicode-wide: everything past Latin-1 but white space is counted in, to stay on the
// safe side (a set too wide can only flag more).
const WORD: CharSet = without(
  normalize([
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
    [0xaa, 0xaa],
    [0xb5, 0xb5],
    [0xba, 0xba],
    [0xc0, 0xd6],
    [0xd8, 0xf6],
    [0xf8, MAX],
  ]),
  SPACE,
);

/**
 * A named class (`digit`, `word`, `space`), optionally negated; `negate` complements `base`, `fold`
 * adds the other case of the ASCII letters in `base`.
 */
export function charSetOf(
  name: 'digit' | 'word' | 'space' | 'negate' | 'fold',
  negated = false,
  base = EMPTY,
): CharSet {
  let set: CharSet;
  if (name === 'digit') set = DIGIT;
  else if (name === 'word') set = WORD;
  else if (name === 'space') set = SPACE;
  else if (name === 'negate') set = complement(base);
  else set = fold(base);
  return negated ? complement(set) : set;
}

export function union(a: CharSet, b: CharSet): CharSet {
  return normalize([...a, ...b]);
}

export function intersects(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [alo, ahi] = a[i]!;
    const [blo, bhi] = b[j]!;
    if (alo <= bhi && blo <= ahi) return true;
    if (ahi < bhi) i++;
    else j++;
  }
  return false;
}

export function isEmpty(a: CharSet): boolean {
  return a.length === 0;
}

function without(set: CharSet, removed: CharSet): CharSet {
  return complement(union(complement(set), removed));
}

function complement(set: CharSet): CharSet {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX) out.push([next, MAX]);
  return out;
}

function fold(set: CharSet): CharSet {
  const extra: [number, number][] = [];
  for (const [lo, hi] of set) {
    for (const [from, to, shift] of [
      [0x41, 0x5a, 0x20],
      [0x61, 0x7a, -0x20],
    ] as const) {
      const a = Math.max(lo, from);
      const b = Math.min(hi, to);
      if (a <= b) extra.push([a + shift, b + shift]);
    }
  }
  return normalize([...set, ...extra]);
}

function normalize(ranges: readonly (readonly [number, number])[]): CharSet {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const prev = out.at(-1);
    if (prev && lo <= prev[1] + 1) prev[1] = Math.max(prev[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}
