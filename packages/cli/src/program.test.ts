import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAPPING_YAML } from '@provision/mapping';
import { describe, expect, it } from 'vitest';
import { runCli } from './program.ts';

/** Runs the CLI in this process, capturing what it prints (cli.test.ts runs it as a real process). */
async function provision(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readFile: (path) => readFile(path, 'utf8'),
    env: {},
  });
  return { code, stdout, stderr };
}

function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'provision-cli-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('provision expr', () => {
  it('prints arrays, Booleans and null as JSON', async () => {
    expect((await provision('expr', '-e', 'Split([proxy], ",")', '-a', '{"proxy":"a,b"}')).stdout).toBe('["a","b"]\n');
    expect((await provision('expr', '-e', 'IsPresent([mail])', '-a', '{"mail":"x"}')).stdout).toBe('true\n');
    expect((await provision('expr', '-e', 'Coalesce([mail])', '-a', '{}')).stdout).toBe('null\n');
  });

  it('rejects --attributes that are not a JSON object, and exits 2', async () => {
    const bad = await provision('expr', '-e', '[a]', '-a', '{not json');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--attributes is not valid JSON/);
    const array = await provision('expr', '-e', '[a]', '-a', '[1]');
    expect(array.code).toBe(2);
    expect(array.stderr).toMatch(/must be a JSON object/);
    const nested = await provision('expr', '-e', '[a]', '-a', '{"a":{"b":1}}');
    expect(nested.code).toBe(2);
    expect(nested.stderr).toMatch(/"a" must be a string/);
  });

  it('exits 2 on a usage error', async () => {
    expect((await provision('expr')).code).toBe(2);
    expect((await provision('no-such-command')).code).toBe(2);
  });
});

describe('provision mapping', () => {
  it('check --json prints the problems as JSON', async () => {
    const r = await provision('mapping', 'check', '--json', file('bad.json', '{"version": 1, "mappings": []}'));
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, problems: [{ location: 'mappings' }] });
  });

  it('check reports a missing file and exits 2', async () => {
    const r = await provision('mapping', 'check', '/nonexistent/mapping.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read \/nonexistent\/mapping.yaml/);
  });

  it('decide prints the decision for one user picture', async () => {
    const input = file(
      'ada.json',
      JSON.stringify({
        user: {
          id: 'u1',
          attributes: { userPrincipalName: 'ada@contoso.com', mail: 'ada@contoso.com', surname: 'Lovelace' },
        },
        assignments: [{ principalId: 'u1', principalType: 'User', appRoleId: 'r1', roleValue: 'Standard User' }],
        current: { Id: '005', IsActive: false, LastName: 'Byron' },
      }),
    );
    const r = await provision('mapping', 'decide', input);
    expect(r.code).toBe(0);
    const decision = JSON.parse(r.stdout);
    expect(decision.action).toBe('reactivate');
    expect(decision.fields).toMatchObject({ IsActive: true, LastName: 'Lovelace', ProfileName: 'Standard User' });
  });

  it('decide rejects a malformed picture, and exits 2', async () => {
    const r = await provision('mapping', 'decide', file('bad.json', '{"user": {}}'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/user.id must be a string/);
  });

  it('default prints the default mapping', async () => {
    const r = await provision('mapping', 'default');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(DEFAULT_MAPPING_YAML);
  });
});
