import { expect, test } from 'vitest';
import { interner } from './interner.ts';

test('equal values come back as the first copy seen, and values past the limit pass through unchanged', () => {
  const intern = interner(2);
  const first = intern(JSON.parse('"role-a"') as string);
  expect(intern(JSON.parse('"role-a"') as string)).toBe(first);
  intern('role-b');
  expect(intern('role-c')).toBe('role-c');
  expect(intern('role-b')).toBe('role-b');
  expect(intern(JSON.parse('"role-a"') as string)).toBe(first);
});
