import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The package is pure (no I/O): its code imports only itself and @provision/errors.
const root = new URL('..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('@provision/expressions purity', () => {
  it('depends on nothing but @provision/errors', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies ?? {})).toEqual(['@provision/errors']);
  });

  it('imports no module outside the package except @provision/errors (and fast-check in test support)', () => {
    for (const file of sources(join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const [, specifier] of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)) {
        const allowed =
          specifier!.startsWith('.') ||
          specifier === '@provision/errors' ||
          (/(arbitraries|test-helpers)\.ts$/.test(file) && (specifier === 'fast-check' || specifier === 'vitest'));
        expect(allowed, `${file} imports ${specifier}`).toBe(true);
      }
    }
  });

  it('keeps test support out of the public entry point', () => {
    const index = readFileSync(join(root, 'src/index.ts'), 'utf8');
    expect(index).not.toMatch(/arbitraries|test-helpers/);
  });
});
