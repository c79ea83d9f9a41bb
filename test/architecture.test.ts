import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Pure packages hold the logic: they must stay free of I/O so they can be tested without a
// network and reused anywhere (as Temporal's `workflow` package depends only on `common`).
const PURE = ['events', 'errors', 'expressions', 'mapping', 'ports', 'retry'];
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
  it('are all present', () => {
    expect(present).toEqual(PURE);
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

// The one service skeleton, written down in services/README.md. Each check names the service and
// the file that drifted.
const SERVICES = ['ingestor', 'mapper', 'writer', 'audit'];
const SKELETON = [
  'README.md',
  'package.json',
  'src/main.ts',
  'src/config.ts',
  'src/compose.ts',
  'src/app.ts',
  'src/domain/ports.ts',
  'src/adapters',
  'src/http',
  'src/testing',
  'test',
];
// What an adapter talks to, the first word of its file name (`<tech>-<role>.ts`).
const TECHNOLOGIES = ['graph', 'kafka', 'redis', 'pg', 'smtp', 'prom', 'prometheus', 'salesforce', 'memory', 'system'];
// Written once, in @provision/auth and @provision/telemetry, for every service.
const SHARED_ONLY = [
  {
    pattern: /\.setErrorHandler\(|\.setNotFoundHandler\(/,
    what: 'an error handler of its own (registerErrorHandling)',
  },
  { pattern: /\bprotect\(\s*scope\b/, what: 'the auth preamble by hand (apiRoutes)' },
  { pattern: /\.send\(\s*\{\s*code:/, what: 'an error body of its own (errorBody)' },
  { pattern: /\bonShutdown\(|\bcreateLogger\(|\.listen\(/, what: 'lifecycle work that runService does' },
];
// Known and tracked: the Graph webhook routes move to packages/graph (issue 13, part 2).
const MOVING_OUT = ['services/ingestor/src/http/webhook-routes.ts'];

const service = (name: string, ...path: string[]) => join(root, 'services', name, ...path);
const relative = (file: string) => file.slice(root.length).replace(/^\//, '');
const importsOf = (text: string) =>
  [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
const productionFiles = (name: string) => sourceFiles(service(name, 'src'));

/** Every test file of a service: `*.test.ts` beside the code, and everything under test/. */
function testFiles(name: string): string[] {
  const walk = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir).flatMap((entry) => {
          const path = join(dir, entry);
          return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
        })
      : [];
  return [...walk(service(name, 'src')).filter((f) => f.endsWith('.test.ts')), ...walk(service(name, 'test'))];
}

describe.each(SERVICES)('the %s service keeps the skeleton', (name) => {
  it('has every part of it', () => {
    expect(SKELETON.filter((part) => !existsSync(service(name, part)))).toEqual([]);
    // No second home for ports or fakes.
    const strays = ['src/ports.ts', 'src/fakes.ts', 'src/fakes', 'src/adapters/in-memory.ts'];
    expect(strays.filter((part) => existsSync(service(name, part)))).toEqual([]);
  });

  it('has a main.ts of a few lines over runService', () => {
    const text = readFileSync(service(name, 'src/main.ts'), 'utf8');
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(importsOf(text).sort()).toEqual(['./compose.ts', './config.ts', '@provision/telemetry']);
    expect(text).toContain(`await runService({ name: '${name}', readConfig, createService });`);
  });

  it('builds its adapters in compose.ts and its service in app.ts', () => {
    expect(readFileSync(service(name, 'src/compose.ts'), 'utf8')).toMatch(
      /export async function createService\(\s*config: \w+,\s*(runtime|telemetry): ServiceRuntime/,
    );
    expect(readFileSync(service(name, 'src/app.ts'), 'utf8')).toMatch(/export function buildService\(deps: \w+\)/);
  });

  it('reads process.env only in src/config.ts', () => {
    const readers = productionFiles(name)
      .filter((file) => !file.endsWith('/src/config.ts'))
      .filter((file) => /process\.env\b/.test(readFileSync(file, 'utf8')));
    expect(readers.map(relative)).toEqual([]);
  });

  it('reaches Kafka only through @provision/kafka', () => {
    const offenders = productionFiles(name).filter((file) => importsOf(readFileSync(file, 'utf8')).includes('kafkajs'));
    expect(offenders.map(relative)).toEqual([]);
  });

  it('uses the one Logger and the one Clock of @provision/ports', () => {
    const own = productionFiles(name).filter((file) =>
      /\binterface (Clock|Logger|Log)\b/.test(readFileSync(file, 'utf8')),
    );
    expect(own.map(relative)).toEqual([]);
    // Nor a clock of its own to test with: @provision/ports/testing has ManualClock and VirtualClock.
    const clocks = [...productionFiles(name), ...testFiles(name)].filter((file) =>
      /\bclass \w*Clock\b/.test(readFileSync(file, 'utf8')),
    );
    expect(clocks.map(relative)).toEqual([]);
  });

  it('names its adapters <tech>-<role>.ts', () => {
    const names = readdirSync(service(name, 'src/adapters')).filter((f) => f.endsWith('.ts'));
    expect(names.filter((file) => !TECHNOLOGIES.includes(file.split('-')[0]!) || !file.includes('-'))).toEqual([]);
  });

  it('keeps HTTP routes in http/ and leaves errors, sign-in and the lifecycle to the shared code', () => {
    const offenders = productionFiles(name)
      .filter((file) => !file.includes('/src/testing/') && !MOVING_OUT.some((m) => file.endsWith(m)))
      .flatMap((file) => {
        const text = readFileSync(file, 'utf8');
        return SHARED_ONLY.filter((rule) => rule.pattern.test(text)).map((rule) => `${relative(file)}: ${rule.what}`);
      });
    expect(offenders).toEqual([]);
    // Only app.ts makes the server; http/ adds routes to it.
    const servers = productionFiles(name).filter((file) => /\bFastify\(/.test(readFileSync(file, 'utf8')));
    expect(servers.map(relative)).toEqual([`services/${name}/src/app.ts`]);
  });
});
