import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatProblem, loadMappingConfig, parseMappingConfig } from './config/parse-config.ts';
import { decide } from './decide.ts';
import { DEFAULT_MAPPING_YAML } from './default-mapping.ts';
import { NAMED_FIELDS, type NamedEntitlement } from './named-entitlements.ts';
import { ADMINS_GROUP, direct, entraUser, SALES_GROUP, salesforceUser } from './test-fixtures.ts';

const standard = [direct('Standard User')];
const withYaml = (extra: string) =>
  loadMappingConfig(JSON.stringify({ ...parse(DEFAULT_MAPPING_YAML), ...parse(extra || '{}') }));

// Each named type: its rules key, the list inside a rule, and the names its examples use.
const TYPES: [NamedEntitlement, string, string, string, string][] = [
  ['permissionSets', 'permissionSetRules', 'permissionSets', 'Sales_Cloud', 'Admin_Tools'],
  ['permissionSetGroups', 'permissionSetGroupRules', 'permissionSetGroups', 'Sales_Operations', 'Admin_Ops'],
  [
    'permissionSetLicenses',
    'permissionSetLicenseRules',
    'permissionSetLicenses',
    'SalesConsoleUser',
    'IdentityConnect',
  ],
];

describe.each(TYPES)('%s from groups', (kind, rulesKey, listKey, sales, admins) => {
  const field = NAMED_FIELDS[kind];
  const rules = (mode = 'merge') =>
    withYaml(`${rulesKey}:
  - { group: ${SALES_GROUP}, ${listKey}: [${sales}] }
  - { group: ${ADMINS_GROUP}, ${listKey}: [${admins}] }
entitlementModes: { ${kind}: ${mode} }
`);
  const left = entraUser({ memberOf: [] });

  it('grants a created user what its Entra groups name', () => {
    const d = decide(entraUser(), standard, null, rules());
    expect(d[kind]).toEqual({ add: [sales], remove: [] });
  });

  it('adds only what Salesforce lacks, and skips a user that holds it', () => {
    expect(decide(entraUser(), standard, salesforceUser({ [field]: [] }), rules())[kind]).toEqual({
      add: [sales],
      remove: [],
    });
    expect(decide(entraUser(), standard, salesforceUser({ [field]: [sales] }), rules()).action).toBe('skip');
  });

  it('under merge removes, when the user leaves the Entra group, only what Provision granted', () => {
    const current = salesforceUser({ [field]: [sales, admins, 'Manual_One'] });
    const d = decide(left, standard, current, rules(), { granted: { [kind]: [sales] } });
    expect(d.action).toBe('update');
    expect(d[kind]).toEqual({ add: [], remove: [sales] });
    // Without a record of grants, nothing is removed.
    expect(decide(left, standard, current, rules()).action).toBe('skip');
  });

  it('under authoritative removes every named one the rules do not grant, whoever assigned it, never unnamed ones', () => {
    const current = salesforceUser({ [field]: [sales, admins, 'Manual_One'] });
    const d = decide(left, standard, current, rules('authoritative'));
    expect(d[kind]).toEqual({ add: [], remove: [admins, sales] });
    // A member of the sales group keeps it; the other named one goes, even when Provision's picture lacks it.
    const kept = decide(
      entraUser(),
      standard,
      salesforceUser({ LastName: 'Old', [field]: [sales] }),
      rules('authoritative'),
    );
    expect(kept[kind]).toEqual({ add: [], remove: [admins] });
    expect(decide(entraUser(), standard, null, rules('authoritative'))[kind]).toEqual({
      add: [sales],
      remove: [admins],
    });
  });

  it('leaves them as they are when the user leaves scope (deprovisioning decides)', () => {
    const current = salesforceUser({ [field]: [sales] });
    const d = decide(entraUser(), [], current, rules('authoritative'), { granted: { [kind]: [sales] } });
    expect(d.action).toBe('disable');
    expect(d[kind]).toEqual({ add: [], remove: [] });
  });
});

describe('permission set group and licence rules in the mapping', () => {
  const minimal = (extra = '') => `version: 1
mappings:
  - target: Username
    source: userPrincipalName
    matchingPrecedence: 1
${extra}`;
  const lines = (text: string) => {
    const result = parseMappingConfig(text);
    if (result.ok) throw new Error('expected the configuration to be invalid');
    return result.problems.map(formatProblem);
  };

  it('parses the rules, with every entitlement type merge unless told', () => {
    const ok = parseMappingConfig(
      minimal(
        'permissionSetGroupRules:\n  - { group: g1, permissionSetGroups: [Sales_Operations] }\npermissionSetLicenseRules:\n  - { group: g1, permissionSetLicenses: [SalesConsoleUser] }\nentitlementModes: { permissionSetLicenses: authoritative }\n',
      ),
    );
    expect(ok.ok && ok.config.permissionSetGroupRules).toEqual([
      { group: 'g1', permissionSetGroups: ['Sales_Operations'] },
    ]);
    expect(ok.ok && ok.config.permissionSetLicenseRules).toEqual([
      { group: 'g1', permissionSetLicenses: ['SalesConsoleUser'] },
    ]);
    expect(ok.ok && ok.config.entitlementModes).toEqual({
      groupMembership: 'merge',
      featureLicense: 'merge',
      role: 'merge',
      permissionSets: 'merge',
      permissionSetGroups: 'merge',
      permissionSetLicenses: 'authoritative',
    });
  });

  it('locates a rule naming nothing, a malformed DeveloperName and an unknown mode', () => {
    expect(lines(minimal('permissionSetGroupRules:\n  - { group: g1, permissionSetGroups: [] }\n'))).toEqual([
      'permissionSetGroupRules[0].permissionSetGroups (line 7): A permission set group rule names at least one permission set group',
    ]);
    expect(
      lines(minimal('permissionSetLicenseRules:\n  - group: g1\n    permissionSetLicenses: [Sales Console]\n'))[0],
    ).toMatch(
      /^permissionSetLicenseRules\[0\]\.permissionSetLicenses\[0\] \(line 8\): Expected a DeveloperName \(the permission set licence's API name\)/,
    );
    expect(lines(minimal('entitlementModes:\n  permissionSetGroups: overwrite\n'))[0]).toMatch(
      /^entitlementModes\.permissionSetGroups \(line 7\)/,
    );
    expect(lines(minimal('permissionSetGroupRules:\n  - { group: g1, permissionSets: [X] }\n'))[0]).toMatch(
      /^permissionSetGroupRules\[0\]/,
    );
  });
});
