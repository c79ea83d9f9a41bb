// Bundles what the production image runs into one JavaScript file per program (esbuild), with
// source maps, so the image carries no TypeScript sources, no workspace and no node_modules tree
// beyond the few packages that must stay real modules. Used by the Dockerfile's build stage and by
// `./pnpmw bench --only memory` (which launches the services the way the image does).
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';
import { filterSourceMap, type SourceMapV3 } from './source-map-filter.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** A program of the image: its source entry, bundled to the same path with `.mjs`. */
export interface Program {
  name: string;
  entry: string;
}

export const SERVICE_NAMES = ['ingestor', 'mapper', 'writer', 'audit'] as const;

export const PROGRAMS: readonly Program[] = [
  ...SERVICE_NAMES.map((name) => ({ name, entry: `services/${name}/src/main.ts` })),
  // Preloaded before a service (`node --import`) so OpenTelemetry hooks kafkajs before it loads.
  { name: 'preload', entry: 'packages/telemetry/src/preload.ts' },
  { name: 'provision', entry: 'packages/cli/src/main.ts' },
  { name: 'graph-sim', entry: 'packages/graph-sim/src/cli.ts' },
  { name: 'salesforce-sim', entry: 'packages/salesforce-sim/src/cli.ts' },
];

/**
 * Files a program reads at run time at a path relative to its own module (`import.meta.url`),
 * copied to the same place under the output directory. In a bundle, `import.meta.url` of each of
 * our modules is rewritten to the URL the module would have there (see `keepModuleUrls`), so
 * `new URL('../../migrations/', import.meta.url)` in services/audit/src/adapters/ finds them.
 */
export const ASSETS: readonly string[] = ['services/audit/migrations', 'services/audit/web/build'];

/**
 * Packages left out of the bundles and shipped as real modules (with their dependencies):
 * kafkajs, because OpenTelemetry's kafkajs instrumentation (the preload, when tracing is on)
 * patches it when it is required, which a copy inside a bundle never is.
 */
export const EXTERNAL_PACKAGES: readonly string[] = ['kafkajs'];

/**
 * Packages a bundle takes from the workspace instead: `undici`, which jsforce loads only to call its
 * `fetch` through the dispatcher we replace it with, is served by Node's own fetch (see
 * packages/http-dispatcher/src/undici-for-jsforce.ts): 1 MB less in the writer's bundle and heap.
 */
export const ALIASES: Readonly<Record<string, string>> = {
  undici: './packages/http-dispatcher/src/undici-for-jsforce.ts',
};

/** The bundle of a program, relative to the output directory. */
export const bundlePath = (program: Program): string => program.entry.replace(/\.ts$/, '.mjs');

// Every bundle sits three levels down (`<services|packages>/<name>/src/<file>.mjs`): the output
// directory is `../../../` from it.
const ROOT_FROM_BUNDLE = '../../../';

// ESM output holding CommonJS dependencies: give them `require`, `__filename` and `__dirname`; and
// the output directory's URL for the modules whose own URL is rewritten.
const BANNER = [
  `const __provisionRoot = new URL('${ROOT_FROM_BUNDLE}', import.meta.url);`,
  "import { createRequire as __provisionCreateRequire } from 'node:module';",
  "import { fileURLToPath as __provisionFileURLToPath } from 'node:url';",
  'const require = __provisionCreateRequire(import.meta.url);',
  'const __filename = __provisionFileURLToPath(import.meta.url);',
  "const __dirname = __provisionFileURLToPath(new URL('.', import.meta.url));",
].join('\n');

/**
 * An esbuild plugin: in the workspace's own modules (not dependencies), `import.meta.url`,
 * `import.meta.dirname` and `import.meta.filename` become those the module would have at its
 * source path under the output directory, instead of the bundle's.
 */
function keepModuleUrls(root: string): Plugin {
  return {
    name: 'keep-module-urls',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.')) return undefined;
        const rel = JSON.stringify(relative(root, args.path).split(sep).join('/'));
        const url = `new URL(${rel}, __provisionRoot).href`;
        return {
          loader: 'ts',
          contents: text
            .replaceAll('import.meta.url', url)
            .replaceAll('import.meta.dirname', `__provisionFileURLToPath(new URL('.', ${url}))`)
            .replaceAll('import.meta.filename', `__provisionFileURLToPath(${url})`),
        };
      });
    },
  };
}

export interface BundleResult {
  outDir: string;
  /** Bytes of each bundle (without its source map). */
  sizes: Record<string, number>;
  /** Packages copied into `node_modules` (externals and their dependencies). */
  copiedPackages: string[];
  warnings: string[];
}

/** Bundles every program (or the named ones) into `outDir`, replacing what was there. */
export async function bundle(
  options: { outDir: string; only?: readonly string[]; root?: string } = { outDir: join(REPO_ROOT, 'dist') },
): Promise<BundleResult> {
  const root = options.root ?? REPO_ROOT;
  const outDir = resolve(options.outDir);
  const programs = options.only ? PROGRAMS.filter((p) => options.only!.includes(p.name)) : PROGRAMS;
  const unknown = (options.only ?? []).filter((name) => !PROGRAMS.some((p) => p.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `bundle: unknown program(s) ${unknown.join(', ')}; known: ${PROGRAMS.map((p) => p.name).join(', ')}`,
    );
  }
  for (const p of programs) {
    if (bundlePath(p).split('/').length !== 4) {
      throw new Error(`bundle: ${p.entry} is not at <dir>/<name>/src/<file>.ts (the bundles assume that depth)`);
    }
  }
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const common = {
    absWorkingDir: root,
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    // Whitespace and syntax only: the code Node parses is smaller, and names stay for stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    // Maps without the sources (and, below, without the dependencies): stack traces name our
    // TypeScript file and line, and a service started with --enable-source-maps stays small.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    external: [...EXTERNAL_PACKAGES],
    alias: ALIASES,
    banner: { js: BANNER },
    plugins: [keepModuleUrls(root)],
    metafile: true,
    logLevel: 'silent',
  } satisfies BuildOptions;
  const entries = (list: readonly Program[]) =>
    Object.fromEntries(list.map((p) => [bundlePath(p).replace(/\.mjs$/, ''), join(root, p.entry)]));
  const preload = programs.filter((p) => p.name === 'preload');
  const others = programs.filter((p) => p.name !== 'preload');
  const results = await Promise.all([
    others.length > 0 ? build({ ...common, entryPoints: entries(others) }) : undefined,
    // The preload runs before every service, and loads OpenTelemetry only when tracing is on: split,
    // so the SDK sits in a chunk of its own that a service without tracing never reads.
    preload.length > 0
      ? build({ ...common, entryPoints: entries(preload), splitting: true, chunkNames: 'chunks/[name]-[hash]' })
      : undefined,
  ]);
  const defined = results.filter((r) => r !== undefined);
  const metafile: Metafile = { inputs: {}, outputs: {} };
  for (const r of defined) Object.assign(metafile.outputs, r.metafile.outputs);
  // Maps of our own code only (see source-map-filter.ts: the full ones cost 50–75 MB per service).
  for (const file of Object.keys(metafile.outputs).filter((f) => f.endsWith('.map'))) {
    const path = resolve(root, file);
    const map = JSON.parse(await readFile(path, 'utf8')) as SourceMapV3;
    await writeFile(path, JSON.stringify(filterSourceMap(map, (source) => !source.includes('node_modules/'))));
  }
  // ASCII only: V8 keeps a script's source for as long as it runs, as one byte a character unless a
  // single character is outside Latin-1, and then as two for the whole file (the ingestor's 3 MB
  // held 6 MB because of one regex in @azure/identity). esbuild escapes strings, not regexes.
  for (const file of Object.keys(metafile.outputs).filter((f) => f.endsWith('.mjs'))) {
    const path = resolve(root, file);
    const code = await readFile(path, 'utf8');
    const ascii = asciiOnly(code);
    if (ascii !== code) await writeFile(path, ascii);
  }
  const sizes: Record<string, number> = {};
  for (const p of programs) sizes[p.name] = (await stat(join(outDir, bundlePath(p)))).size;
  for (const asset of ASSETS) {
    await cp(join(root, asset), join(outDir, asset), { recursive: true });
  }
  const copiedPackages = await copyExternals(root, outDir, metafile, programs);
  await writeFile(
    join(outDir, 'package.json'),
    `${JSON.stringify({ name: 'provision-bundle', private: true, type: 'module' }, null, 2)}\n`,
  );
  return {
    outDir,
    sizes,
    copiedPackages,
    warnings: defined
      .flatMap((r) => r.warnings)
      .map((w) => `${w.location?.file ?? '?'}:${w.location?.line ?? '?'}: ${w.text}`),
  };
}

/**
 * Copies each external package the bundles import, and everything it depends on, into
 * `outDir/node_modules` (flat, as npm would: one version of each is all these need).
 */
async function copyExternals(root: string, outDir: string, metafile: Metafile, programs: readonly Program[]) {
  const imported = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imp of output.imports) {
      if (imp.external && !imp.path.startsWith('node:') && EXTERNAL_PACKAGES.some((e) => packageOf(imp.path) === e)) {
        imported.add(packageOf(imp.path));
      }
    }
  }
  const copied: string[] = [];
  const seen = new Set<string>();
  // Resolve each from the programs that use it (pnpm links a package only where it is declared).
  const fromDirs = programs.map((p) => join(root, dirname(p.entry)));
  const visit = async (name: string, from: string[]): Promise<void> => {
    if (seen.has(name)) return;
    seen.add(name);
    const dir = packageDir(name, from);
    if (!dir) throw new Error(`bundle: external package ${name} is not installed where ${from.join(', ')} can see it`);
    await cp(dir, join(outDir, 'node_modules', name), { recursive: true, dereference: true });
    copied.push(name);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) await visit(dep, [dir]);
  };
  for (const name of imported) await visit(name, fromDirs);
  return copied;
}

const packageOf = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

function packageDir(name: string, fromDirs: string[]): string | undefined {
  for (const from of fromDirs) {
    try {
      const manifest = createRequire(join(from, 'noop.js')).resolve(`${name}/package.json`);
      return dirname(manifest);
    } catch {
      // Not visible from here; try the next.
    }
  }
  return undefined;
}

/**
 * JavaScript with every character outside ASCII written as its `\\uXXXX` escape (astral ones as their
 * two surrogates), which means the same character in a string, a template, a regular expression
 * (with or without the `u` flag) and an identifier. esbuild's output has no comments (no legal
 * comments, minified whitespace) where an escape would be read literally. Columns after an escaped
 * character on its line move by five per character (source maps of dependencies are dropped anyway).
 */
export function asciiOnly(code: string): string {
  return code.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `relative()` for messages. */
export const shown = (path: string): string => relative(process.cwd(), path) || '.';
