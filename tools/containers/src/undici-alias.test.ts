import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIASES, REPO_ROOT } from './bundle.ts';

const run = promisify(execFile);
const ENTRY = join(REPO_ROOT, 'packages', 'salesforce', 'test', 'fixtures', 'jsforce-query.ts');

describe('undici in the bundles (ALIASES)', () => {
  let dir: string;
  let server: http.Server;
  let origin: string;
  const heard: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'undici-alias-'));
    // The first query is refused with a 503: jsforce retries a GET only when what fetch resolved to
    // is an `undici.Response`, so the second answer is read only if the alias's Response is fetch's.
    server = http.createServer((request, response) => {
      heard.push(`${request.method} ${request.url}`);
      const first = heard.length === 1;
      response.writeHead(first ? 503 : 200, { 'content-type': 'application/json' });
      response.end(
        first
          ? JSON.stringify([{ errorCode: 'SERVER_UNAVAILABLE', message: 'try again' }])
          : JSON.stringify({
              totalSize: 1,
              done: true,
              records: [{ attributes: { type: 'User' }, Id: '005000000000001AAA' }],
            }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('serves jsforce from Node’s fetch: no undici in the bundle, and a query (with a retry) still answers', async () => {
    const result = await build({
      absWorkingDir: REPO_ROOT,
      entryPoints: [ENTRY],
      outfile: join(dir, 'query.mjs'),
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      alias: ALIASES,
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      metafile: true,
      logLevel: 'silent',
    });
    const fromUndici = Object.keys(result.metafile.inputs).filter((path) =>
      /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?undici\//.test(path),
    );
    expect(fromUndici).toEqual([]);
    expect(Object.keys(result.metafile.inputs)).toContain('packages/http-dispatcher/src/undici-for-jsforce.ts');

    const { stdout } = await run(process.execPath, [join(dir, 'query.mjs'), origin], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual(['005000000000001AAA']);
    expect(heard).toHaveLength(2);
    expect(heard[1]).toMatch(/^GET \/services\/data\/v62\.0\/query\?q=SELECT/);
  });
});
