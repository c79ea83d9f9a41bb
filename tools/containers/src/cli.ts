// `./pnpmw containers <command>`: container images and their tests without an image registry.
//   build [--base-only | --for-tests]   install/start a Docker engine if needed, build the base images and the Provision image
//                             (--for-tests: only Kafka, Redis and PostgreSQL, for the test kit; no Compose)
//   stop-engine               stop the dockerd this tool started (its pid file), if any
//   test [--short]            the compose sandbox end to end from outside, a killed service, then down -v
//   bundle [--out DIR] [--only a,b]   the bundles the image runs (default: dist/bundle)
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundle, REPO_ROOT } from './bundle.ts';

const [command, ...rest] = process.argv.slice(2);
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  switch (command) {
    case 'bundle': {
      const { values } = parseArgs({
        args: rest,
        options: { out: { type: 'string' }, only: { type: 'string' } },
        strict: true,
      });
      const started = Date.now();
      const result = await bundle({
        outDir: values.out ?? join(REPO_ROOT, 'dist', 'bundle'),
        ...(values.only ? { only: values.only.split(',') } : {}),
      });
      for (const w of result.warnings) log(`bundle: warning: ${w}`);
      const sizes = Object.entries(result.sizes).map(([n, b]) => `${n} ${(b / 1e6).toFixed(1)} MB`);
      log(`bundle: ${sizes.join(', ')}; real modules: ${result.copiedPackages.join(', ') || 'none'}`);
      log(`bundle: ${result.outDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'build': {
      const { values } = parseArgs({
        args: rest,
        options: { 'base-only': { type: 'boolean' }, 'for-tests': { type: 'boolean' } },
        strict: true,
      });
      const { ensureEngine } = await import('./engine.ts');
      const { buildImages } = await import('./images.ts');
      // The test kit's containers need neither Compose nor the Node and Provision images.
      await ensureEngine(log, { compose: values['for-tests'] !== true });
      const only = values['for-tests'] ? 'tests' : values['base-only'] ? 'base' : undefined;
      const report = await buildImages(log, only ? { only } : {});
      console.log(JSON.stringify(report));
      return 0;
    }
    case 'test': {
      const { values } = parseArgs({
        args: rest,
        options: { short: { type: 'boolean' }, 'no-build': { type: 'boolean' }, keep: { type: 'boolean' } },
        strict: true,
      });
      const { ensureEngine } = await import('./engine.ts');
      const { buildImages } = await import('./images.ts');
      const { composeTest } = await import('./compose-test.ts');
      await ensureEngine(log);
      if (!values['no-build']) await buildImages(log);
      const ok = await composeTest(log, { short: values.short === true, keep: values.keep === true });
      return ok ? 0 : 1;
    }
    case 'stop-engine': {
      const { stopOwnEngine } = await import('./engine.ts');
      await stopOwnEngine(log);
      return 0;
    }
    default:
      log(
        'usage: ./pnpmw containers build [--base-only | --for-tests] | test [--short] [--no-build] [--keep] | stop-engine | bundle [--out DIR] [--only a,b]',
      );
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
