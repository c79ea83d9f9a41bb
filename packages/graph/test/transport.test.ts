import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The Graph client's requests travel through node:http(s), so a process reading Graph compiles no
// WebAssembly HTTP parser. Checked in a fresh process, since what was compiled is process-wide.
describe('the Graph client on the dispatcher', () => {
  const probe = fileURLToPath(new URL('./fixtures/wasm-probe.mjs', import.meta.url));
  const run = async (mode: string) => {
    const { stdout } = await promisify(execFile)(process.execPath, [probe, mode], { timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { users: number; wasmModules: number };
  };

  it("reads users without compiling WebAssembly; Node's own fetch compiles its parser", async () => {
    const [client, fetch] = await Promise.all([run('client'), run('fetch')]);
    expect(client).toEqual({ users: 20, wasmModules: 0 });
    expect(fetch.users).toBe(-1);
    expect(fetch.wasmModules).toBeGreaterThan(0);
  });
});
