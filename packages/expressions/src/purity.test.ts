import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The package is pure (no I/O): its code imports only itself, @provision/errors and re2js (RE2's
// linear-time regex engine in plain JavaScript: no I/O, no native code, no imports of its own).
const root = new URL('..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('@provision/expressions purity', () => {
  it('depends on nothing but @provision/errors and re2js', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(['@provision/errors', 're2js']);
  });

  it('imports no module outside the package except @provision/errors and re2js (and fast-check in test support)', () => {
    for (const file of sources(join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const [, specifier] of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)) {
        const allowed =
          specifier!.startsWith('.') ||
          specifier === '@provision/errors' ||
          specifier === 're2js' ||
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
