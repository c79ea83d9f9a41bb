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

  it('refuses a regex pattern that could backtrack catastrophically, pointing at it, and exits 2', () => {
    const expression = 'Replace([displayName], , "^(?<n>(\\w+\\s?)+)$", , "x", , )';
    const r = provision('expr', '-e', expression, '-a', '{"displayName":"Ada"}');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/could take exponential time to match: nested quantifier/);
    expect(r.stderr).toContain(`  ${expression}\n  ${' '.repeat(25)}^`);
  });

  it('rejects --attributes that are not JSON, and exits 2', () => {
    const r = provision('expr', '-e', '[a]', '-a', '{not json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--attributes is not valid JSON/);
  });
});

describe('provision mapping', () => {
  it('check accepts the default mapping and prints a summary', () => {
    const r = provision('mapping', 'check', file('default.yaml', DEFAULT_MAPPING_YAML));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid — 14 mappings, matching on Username, scope assignedUsersAndGroups/);
    expect(r.stdout).toMatch(/0 group membership rules/);
  });

  it('check names the group membership rules and their mode', () => {
    const rules = `groupMembershipRules:\n  - { group: g1, queues: [Leads_Queue] }\nentitlementModes: { groupMembership: authoritative }\n`;
    const r = provision('mapping', 'check', file('groups.yaml', `${DEFAULT_MAPPING_YAML}\n${rules}`));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 group membership rule \(authoritative\)/);
  });

  it('check names the feature licence and role rules and their modes, and locates an unknown licence', () => {
    const rules = `featureLicenseRules:\n  - { group: g1, featureLicenses: [UserPermissionsMarketingUser] }\nentitlementModes: { featureLicense: authoritative }\n`;
    const yaml = DEFAULT_MAPPING_YAML.replace('roleRules: []', 'roleRules:\n  - { group: g2, role: Sales_Rep }');
    const r = provision('mapping', 'check', file('licences.yaml', `${yaml}\n${rules}`));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 role rule \(merge\)/);
    expect(r.stdout).toMatch(/1 feature licence rule \(authoritative\)/);
    const bad = `featureLicenseRules:\n  - { group: g1, featureLicenses: [UserPermissionsTeleportUser] }\n`;
    const refused = provision('mapping', 'check', file('bad-licence.yaml', `${DEFAULT_MAPPING_YAML}\n${bad}`));
    expect(refused.code).toBe(2);
    expect(refused.stderr + refused.stdout).toMatch(
      /featureLicenseRules\[0\]\.featureLicenses\[0\] \(line \d+\): "UserPermissionsTeleportUser" is not a feature licence field/,
    );
  });

  it('check names the permission set group and licence rules, and an authoritative mode', () => {
    const rules = `permissionSetGroupRules:\n  - { group: g1, permissionSetGroups: [Console_Agents] }\npermissionSetLicenseRules:\n  - { group: g1, permissionSetLicenses: [SalesConsoleUser] }\n  - { group: g2, permissionSetLicenses: [IdentityConnect] }\nentitlementModes: { permissionSetLicenses: authoritative }\n`;
    const r = provision('mapping', 'check', file('sets.yaml', `${DEFAULT_MAPPING_YAML}\n${rules}`));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 permission set group rule, 2 permission set licence rules \(authoritative\)/);
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

  it('check reports a scoping filter pattern with nested quantifiers, with its location', () => {
    const path = file(
      'redos.yaml',
      `version: 1
mappings:
  - target: Username
    source: userPrincipalName
    matchingPrecedence: 1
scopingFilters:
  - clauses:
      - { attribute: displayName, operator: REGEX MATCH, value: '^(\\w+\\s?)+$' }
`,
    );
    const r = provision('mapping', 'check', path);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      /scopingFilters\[0\]\.clauses\[0\]\.value \(line 8\): Regular expression .* could take exponential time to match: nested quantifier/,
    );
  });
});
