import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Connection } from 'jsforce';
import { afterEach, describe, expect, it } from 'vitest';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  info: Record<string, string>;
}

async function startCli(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`cli exited with ${code}`)));
  });
  return { child, info: JSON.parse(first) };
}

describe('sim:salesforce command', () => {
  let started: Started | undefined;

  afterEach(async () => {
    if (started && started.child.exitCode === null) {
      const exited = new Promise((resolve) => started!.child.once('exit', resolve));
      started.child.kill('SIGTERM');
      await exited;
    }
    started = undefined;
  });

  it('prints one JSON line with the address and credentials, which log in through jsforce', async () => {
    // A leading '--' is what `pnpm run sim:salesforce -- --port 0` passes on.
    started = await startCli(['--', '--port', '0']);
    const { info } = started;
    expect(Object.keys(info)).toEqual(
      expect.arrayContaining([
        'url',
        'loginUrl',
        'username',
        'password',
        'securityToken',
        'orgId',
        'clientId',
        'clientSecret',
        'privateKeyPath',
      ]),
    );
    expect(readFileSync(info.privateKeyPath!, 'utf8')).toMatch(/BEGIN (RSA )?PRIVATE KEY/);
    const conn = new Connection({ loginUrl: info.loginUrl!, version: '62.0' });
    const user = await conn.login(info.username!, info.password! + info.securityToken!);
    expect(user.organizationId).toBe(info.orgId);
  });

  it('seeds the org from --org and serves HTTPS with --https', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-org-'));
    const file = join(dir, 'org.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'Acme',
        licences: [{ name: 'Salesforce', total: 3 }],
        profiles: [{ name: 'Admin', licence: 'Salesforce', permissions: { ApiEnabled: true, ManageUsers: true } }],
        admin: {
          profile: 'Admin',
          username: 'integration@acme-cli-test.example.com',
          password: 'pw',
          securityToken: 'TOKEN',
        },
      }),
    );
    started = await startCli(['--https', '--org', file]);
    const { info } = started;
    expect(info.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(info).toMatchObject({
      username: 'integration@acme-cli-test.example.com',
      password: 'pw',
      securityToken: 'TOKEN',
    });
    expect(readFileSync(info.caCertificatePath!, 'utf8')).toMatch(/BEGIN CERTIFICATE/);
  });

  it('refuses a bad --port', async () => {
    const child = spawn(process.execPath, [CLI, '--port', 'x'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
  });
});
