import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// @provision/mapping is pure: reading files is the CLI's job, talking to Graph or Salesforce the services'.
const ALLOWED = new Set(['@provision/errors', '@provision/expressions', 'yaml', 'zod']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('@provision/mapping purity', () => {
  it('imports only pure modules (no node:*, no I/O library) outside its tests', () => {
    const dir = new URL('.', import.meta.url).pathname;
    const offending = sources(dir).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)]
        .map((m) => m[1] as string)
        .filter((spec) => !spec.startsWith('.') && !ALLOWED.has(spec))
        .map((spec) => `${file}: ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  it('depends only on pure packages', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual([...ALLOWED].sort());
  });
});
