import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAPPING_YAML } from '@provision/mapping';
import { describe, expect, it } from 'vitest';

const MAIN = new URL('./main.ts', import.meta.url).pathname;

/** Runs the CLI as a process on the Node running the tests (24, which runs TypeScript as is). */
function provision(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'provision-cli-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('provision expr', () => {
  it('prints a string result as JSON', () => {
    const r = provision(
      'expr',
      '--expression',
      'Mid([userPrincipalName], 1, 8)',
      '--attributes',
      '{"userPrincipalName":"ada.lovelace@contoso.com"}',
    );
    expect(r).toMatchObject({ code: 0, stdout: '"ada.love"\n', stderr: '' });
  });

  it('prints arrays, Booleans and null as JSON', () => {
    expect(provision('expr', '-e', 'Split([proxy], ",")', '-a', '{"proxy":"a,b"}').stdout).toBe('["a","b"]\n');
    expect(provision('expr', '-e', 'IsPresent([mail])', '-a', '{"mail":"x"}').stdout).toBe('true\n');
    expect(provision('expr', '-e', 'Coalesce([mail])', '-a', '{}').stdout).toBe('null\n');
  });

  it('prints {"ignored": true} when IgnoreFlowIfNullOrEmpty drops the attribute', () => {
    const r = provision('expr', '-e', 'IgnoreFlowIfNullOrEmpty([mail])', '-a', '{"mail":""}');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ignored: true });
  });

  it('reports an invalid expression with its column on stderr and exits 2', () => {
    const r = provision('expr', '-e', 'Mid([userPrincipalName], 1, 8', '-a', '{}');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('at column 30');
    expect(r.stderr).toContain(`  Mid([userPrincipalName], 1, 8\n  ${' '.repeat(29)}^`);
  });

  it('rejects --attributes that are not a JSON object, and exits 2', () => {
    const bad = provision('expr', '-e', '[a]', '-a', '{not json');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--attributes is not valid JSON/);
    const array = provision('expr', '-e', '[a]', '-a', '[1]');
    expect(array.code).toBe(2);
    expect(array.stderr).toMatch(/must be a JSON object/);
    const nested = provision('expr', '-e', '[a]', '-a', '{"a":{"b":1}}');
    expect(nested.code).toBe(2);
    expect(nested.stderr).toMatch(/"a" must be a string/);
  });

  it('exits 2 on a usage error', () => {
    expect(provision('expr').code).toBe(2);
    expect(provision('no-such-command').code).toBe(2);
  });
});

describe('provision mapping', () => {
  it('check accepts the default mapping and prints a summary', () => {
    const r = provision('mapping', 'check', file('default.yaml', DEFAULT_MAPPING_YAML));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid — 14 mappings, matching on Username, scope assignedUsersAndGroups/);
  });

  it('check prints every problem with its location and exits 2', () => {
    const path = file(
      'bad.yaml',
      `version: 1
mappings:
  - target: Username
    source: userPrincipalName
    matchingPrecedence: 1
  - target: Alias
    expression: Mid([userPrincipalName], 1, 8
  - target: TimeZoneSidKey
    default: Europe/Pariss
`,
    );
    const r = provision('mapping', 'check', path);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${path}: mappings[1].expression (line 7): Expected "," or ")" at column 30`);
    expect(r.stdout).toContain(
      `${path}: mappings[2].default (line 9): "Europe/Pariss" is not a Salesforce TimeZoneSidKey value`,
    );
    expect(r.stdout).toContain('invalid — 2 problems');
  });

  it('check --json prints the problems as JSON', () => {
    const r = provision('mapping', 'check', '--json', file('bad.json', '{"version": 1, "mappings": []}'));
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, problems: [{ location: 'mappings' }] });
  });

  it('check reports a missing file and exits 2', () => {
    const r = provision('mapping', 'check', '/nonexistent/mapping.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read \/nonexistent\/mapping.yaml/);
  });

  it('default prints the default mapping', () => {
    const r = provision('mapping', 'default');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(DEFAULT_MAPPING_YAML);
  });
});
