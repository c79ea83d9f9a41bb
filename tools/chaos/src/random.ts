import { seededRandom as mulberry32 } from '@provision/graph-sim';

/** A deterministic source of random numbers in [0, 1): the same seed, the same sequence. */
export interface Random {
  (): number;
  /** A whole number from `min` to `max`, both included. */
  int(min: number, max: number): number;
  /** A number from `min` (included) to `max` (excluded). */
  between(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list; undefined for an empty one. */
  pick<T>(list: readonly T[]): T | undefined;
  /** A new stream, independent of this one's later draws: one per concern (kills, faults, changes). */
  fork(label: string): Random;
}

/** graph-sim's mulberry32 over a 32-bit seed: small, fast, and good enough to schedule faults reproducibly. */
export function seededRandom(seed: number): Random {
  const draw = mulberry32(seed);
  const next = (() => draw()) as Random;
  next.int = (min, max) => min + Math.floor(next() * (max - min + 1));
  next.between = (min, max) => min + next() * (max - min);
  next.chance = (p) => next() < p;
  next.pick = (list) => (list.length === 0 ? undefined : list[Math.floor(next() * list.length)]);
  next.fork = (label) => seededRandom(hash(`${seed}:${label}`));
  return next;
}

/** FNV-1a over a string: turns a seed and a label into the seed of a forked stream. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
