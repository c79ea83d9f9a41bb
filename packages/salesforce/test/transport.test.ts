import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The point of the transport: no WebAssembly HTTP parser in a process that talks to Salesforce.
// Checked in a fresh process, since whether undici compiled llhttp is a process-wide fact.
describe('jsforce on the dispatcher', () => {
  const probe = fileURLToPath(new URL('./fixtures/wasm-probe.mjs', import.meta.url));
  const run = async (mode: string) => {
    const { stdout } = await promisify(execFile)(process.execPath, [probe, mode], { timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { status: number; wasmModules: number };
  };

  it('answers jsforce requests without compiling WebAssembly; undici alone compiles its parser', async () => {
    const [ours, undici] = await Promise.all([run('session'), run('undici')]);
    expect(ours).toEqual({ status: 200, wasmModules: 0 });
    expect(undici.status).toBe(200);
    expect(undici.wasmModules).toBeGreaterThan(0);
  });
});
