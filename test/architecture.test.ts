import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Pure packages hold the logic: they must stay free of I/O so they can be tested without a
// network and reused anywhere (as Temporal's `workflow` package depends only on `common`).
const PURE = ['events', 'errors', 'expressions', 'mapping', 'retry'];
const IO_LIBRARIES = [
  'kafkajs',
  'ioredis',
  'redis',
  'pg',
  'jsforce',
  '@microsoft/microsoft-graph-client',
  '@azure/identity',
  'fastify',
  'undici',
  'nodemailer',
  'testcontainers',
];
const IO_MODULES = [
  'node:http',
  'node:https',
  'node:net',
  'node:tls',
  'node:dgram',
  'node:child_process',
  'node:fs',
  'node:fs/promises',
];

const root = new URL('..', import.meta.url).pathname;
const packageJson = (name: string) =>
  JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

const present = PURE.filter((name) => existsSync(join(root, 'packages', name, 'package.json')));

describe('pure packages', () => {
  it('are all present once the workspace has them', () => {
    expect(present).toEqual(expect.arrayContaining(['events', 'errors', 'retry']));
  });

  it.each(present)('%s depends on no I/O library and only on pure workspace packages', (name) => {
    const pkg = packageJson(name);
    const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
    expect(deps.filter((d) => IO_LIBRARIES.includes(d))).toEqual([]);
    const impureWorkspaceDeps = deps.filter(
      (d) => d.startsWith('@provision/') && !PURE.includes(d.slice('@provision/'.length)),
    );
    expect(impureWorkspaceDeps).toEqual([]);
  });

  it.each(present)('%s source imports no I/O module', (name) => {
    const offenders = sourceFiles(join(root, 'packages', name, 'src')).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      return imports
        .filter((i) => IO_LIBRARIES.includes(i) || IO_MODULES.includes(i) || IO_MODULES.includes(`node:${i}`))
        .map((i) => `${file}: ${i}`);
    });
    expect(offenders).toEqual([]);
  });
});
