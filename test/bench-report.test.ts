import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { markdownTable, readResults } from '../bench/lib/report.ts';

const START = '<!-- results:start -->';

test('bench/README.md holds the table of the committed results, as the bench writes it', () => {
  const text = readFileSync(join(import.meta.dirname, '../bench/README.md'), 'utf8');
  const from = text.indexOf(START) + START.length + 1;
  const table = markdownTable(readResults());
  expect(text.slice(from, from + table.length)).toBe(table);
});

test('the table pads every column to its widest cell, an emoji counting two columns, so the formatter leaves it as it is', () => {
  const [header, rule, ...rows] = markdownTable(readResults()).split('\n');
  const columns = (line: string) => line.slice(2, -2).split(' | ');
  const width = (cell: string) => [...cell].reduce((w, ch) => w + (/\p{Emoji_Presentation}/u.test(ch) ? 2 : 1), 0);
  const widths = columns(header!).map(width);
  expect(columns(rule!).map((c) => c.length)).toEqual(widths);
  for (const row of rows) expect(columns(row).map(width)).toEqual(widths);
  expect(rows.some((r) => r.includes('✅ pass') || r.includes('❌ miss'))).toBe(true);
});
