import { describe, expect, it } from 'vitest';
import { decodeMappings, encodeMappings, filterSourceMap } from './source-map-filter.ts';

describe('filterSourceMap', () => {
  it('keeps the segments of the sources asked for, with their positions and names', () => {
    const sources = ['a.ts', 'node_modules/lib/index.js', 'b.ts'];
    const names = ['f', 'g', 'h'];
    const lines = [
      [
        [0, 0, 0, 0],
        [4, 1, 9, 2, 1],
        [8, 0, 1, 4, 0],
      ],
      [[2, 1, 0, 0], [6]],
      [
        [1, 2, 5, 3, 2],
        [9, 0, 7, 1],
      ],
    ];
    const out = filterSourceMap(
      { version: 3, sources, names, mappings: encodeMappings(lines) },
      (s) => !s.includes('node_modules'),
    );
    expect(out.sources).toEqual(['a.ts', 'b.ts']);
    expect(out.names).toEqual(['f', 'h']);
    expect(decodeMappings(out.mappings)).toEqual([
      [
        [0, 0, 0, 0],
        [8, 0, 1, 4, 0],
      ],
      [],
      [
        [1, 1, 5, 3, 1],
        [9, 0, 7, 1],
      ],
    ]);
  });

  it('keeps one segment per run from the same source line, and starts a run again after any other line', () => {
    const sources = ['a.ts', 'node_modules/lib/index.js'];
    const lines = [
      [
        [0, 0, 3, 0],
        [5, 0, 3, 6],
        [9, 0, 3, 12],
        [14, 1, 40, 0],
        [20, 0, 3, 20],
        [26, 0, 4, 0],
        [30, 0, 4, 2],
      ],
      [
        [0, 0, 4, 8],
        [3, 0, 4, 9],
      ],
    ];
    const out = filterSourceMap(
      { version: 3, sources, names: [], mappings: encodeMappings(lines) },
      (s) => !s.includes('node_modules'),
    );
    expect(decodeMappings(out.mappings)).toEqual([
      [
        [0, 0, 3, 0],
        [20, 0, 3, 20],
        [26, 0, 4, 0],
      ],
      [[0, 0, 4, 8]],
    ]);
  });

  it('reads back what it writes', () => {
    const lines = [
      [
        [0, 0, 0, 0],
        [15, 0, 3, 40, 2],
      ],
      [],
      [[3, 0, 120, 0]],
    ];
    expect(decodeMappings(encodeMappings(lines))).toEqual(lines);
  });
});
