import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const run = promisify(execFile);
const script = join(import.meta.dirname, 'processes/mapped-script.mjs');
const preload = join(import.meta.dirname, '../src/preload.ts');

async function callSites(args: string[]): Promise<{ byDefault: string; line: number; mapped: string }> {
  const { stdout } = await run(process.execPath, ['--enable-source-maps', ...args, script]);
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

test('without the preload, --enable-source-maps maps call sites through the source map', async () => {
  const sites = await callSites([]);
  expect(sites.byDefault).toMatch(/\/original\.ts$/);
  expect(sites.mapped).toMatch(/\/original\.ts$/);
});

test('with the preload, call sites name the running script and its own line, unless a caller asks for the map', async () => {
  const sites = await callSites(['--import', preload]);
  expect(sites.byDefault).toMatch(/\/mapped-script\.mjs$/);
  // The caller's own frame comes first, not the preload's wrapper.
  expect(sites.line).toBe(5);
  expect(sites.mapped).toMatch(/\/original\.ts$/);
});
