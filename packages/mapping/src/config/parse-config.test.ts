import { isProvisionError } from '@provision/errors';
import { describe, expect, it } from 'vitest';
import { formatProblem, type LocatedProblem, loadMappingConfig, parseMappingConfig } from './parse-config.ts';

const minimal = (extra = '') => `version: 1
mappings:
  - target: Username
    source: userPrincipalName
    matchingPrecedence: 1
${extra}`;

function problems(text: string): LocatedProblem[] {
  const result = parseMappingConfig(text);
  if (result.ok) throw new Error('expected the configuration to be invalid');
  return [...result.problems];
}
const lines = (text: string) => problems(text).map(formatProblem);

describe('parseMappingConfig', () => {
  it('accepts a minimal configuration and applies the defaults', () => {
    const result = parseMappingConfig(minimal());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      scope: 'assignedUsersAndGroups',
      scopingFilters: [],
      deprovisioning: { action: 'deactivate' },
      validatePicklists: true,
      roleRules: [],
      permissionSetRules: [],
    });
    expect(result.config.mappings[0]?.apply).toBe('always');
    expect(Object.isFrozen(result.config.mappings[0])).toBe(true);
  });

  it('takes a link field, and refuses one a mapping writes or Salesforce gives another meaning', () => {
    const ok = parseMappingConfig(minimal('link:\n  field: EntraObjectId__c\n'));
    expect(ok.ok && ok.config.link).toEqual({ field: 'EntraObjectId__c' });
    expect(lines(minimal('  - { target: EntraObjectId__c, source: id }\nlink:\n  field: EntraObjectId__c\n'))).toEqual([
      'mappings[1].target (line 6): EntraObjectId__c is the link field (link.field): Provision writes the Entra object id there, so no mapping may write it',
    ]);
    expect(lines(minimal('link:\n  field: username\n'))).toEqual([
      'link.field (line 7): username cannot hold the link: use a custom Text field such as EntraObjectId__c',
    ]);
    expect(lines(minimal('link:\n  field: Entra Id\n'))[0]).toMatch(
      /^link\.field \(line 7\): Expected a Salesforce field API name/,
    );
  });

  it('takes freezeThenDeactivate with a number of days (decimals too), and says where it is wrong', () => {
    const ok = parseMappingConfig(
      minimal('deprovisioning:\n  action: freezeThenDeactivate\n  deactivateAfterDays: 30\n'),
    );
    expect(ok.ok && ok.config.deprovisioning).toEqual({ action: 'freezeThenDeactivate', deactivateAfterDays: 30 });
    const short = parseMappingConfig(
      minimal('deprovisioning: { action: freezeThenDeactivate, deactivateAfterDays: 0.0001 }\n'),
    );
    expect(short.ok && short.config.deprovisioning.deactivateAfterDays).toBe(0.0001);
    expect(lines(minimal('deprovisioning:\n  action: freezeThenDeactivate\n'))).toEqual([
      'deprovisioning.deactivateAfterDays (line 7): freezeThenDeactivate needs deactivateAfterDays: the days between the freeze and the deactivation',
    ]);
    expect(lines(minimal('deprovisioning:\n  action: freeze\n  deactivateAfterDays: 3\n'))).toEqual([
      'deprovisioning.deactivateAfterDays (line 8): deactivateAfterDays applies only to action freezeThenDeactivate (the action is freeze)',
    ]);
    expect(lines(minimal('deprovisioning:\n  action: freezeThenDeactivate\n  deactivateAfterDays: 0\n'))[0]).toMatch(
      /^deprovisioning\.deactivateAfterDays \(line 8\)/,
    );
    expect(lines(minimal('deprovisioning:\n  action: archive\n'))[0]).toMatch(/^deprovisioning\.action \(line 7\)/);
  });

  it('takes group membership rules with a per-type mode (merge by default), and says where they are wrong', () => {
    const rule = 'groupMembershipRules:\n  - { group: g1, publicGroups: [Sales_Team], queues: [Support_Tier_1] }\n';
    const ok = parseMappingConfig(minimal(rule));
    expect(ok.ok && ok.config.groupMembershipRules).toEqual([
      { group: 'g1', publicGroups: ['Sales_Team'], queues: ['Support_Tier_1'] },
    ]);
    expect(ok.ok && ok.config.entitlementModes).toMatchObject({ groupMembership: 'merge' });
    const strict = parseMappingConfig(minimal(`${rule}entitlementModes:\n  groupMembership: authoritative\n`));
    expect(strict.ok && strict.config.entitlementModes).toMatchObject({ groupMembership: 'authoritative' });
    expect(lines(minimal('groupMembershipRules:\n  - { group: g1 }\n'))).toEqual([
      'groupMembershipRules[0] (line 7): A group membership rule names at least one public group (publicGroups) or queue (queues)',
    ]);
    expect(lines(minimal('groupMembershipRules:\n  - group: g1\n    queues: [Support Tier 1]\n'))[0]).toMatch(
      /^groupMembershipRules\[0\]\.queues\[0\] \(line 8\): Expected a DeveloperName/,
    );
    expect(lines(minimal('entitlementModes:\n  groupMembership: replace\n'))[0]).toMatch(
      /^entitlementModes\.groupMembership \(line 7\)/,
    );
  });

  it('takes a multipleRoles policy, and says where its precedence list is wrong', () => {
    const ok = parseMappingConfig(minimal('multipleRoles:\n  policy: precedence\n  precedence: [A, B]\n'));
    expect(ok.ok && ok.config.multipleRoles).toEqual({ policy: 'precedence', precedence: ['A', 'B'] });
    const byDefault = parseMappingConfig(minimal());
    expect(byDefault.ok && byDefault.config.multipleRoles).toEqual({ policy: 'conflict', precedence: [] });
    expect(lines(minimal('multipleRoles:\n  policy: precedence\n'))).toEqual([
      'multipleRoles.precedence (line 7): policy "precedence" needs the app roles in order, highest first (e.g. [System Administrator, Standard User])',
    ]);
    expect(lines(minimal('multipleRoles:\n  policy: refuse\n  precedence: [A]\n'))).toEqual([
      'multipleRoles.precedence (line 8): a precedence list is used only with policy "precedence" (the policy is "refuse")',
    ]);
    expect(lines(minimal('multipleRoles:\n  policy: precedence\n  precedence: [A, B, A]\n'))).toEqual([
      'multipleRoles.precedence[2] (line 8): "A" is listed twice (also at precedence[0])',
    ]);
    expect(lines(minimal('multipleRoles:\n  policy: highest\n'))[0]).toMatch(/^multipleRoles\.policy \(line 7\)/);
  });

  it('takes a username collision suffix that keeps usernames e-mail addresses', () => {
    const ok = parseMappingConfig(minimal('usernameCollision: { suffix: .acme.sf }\n'));
    expect(ok.ok && ok.config.usernameCollision).toEqual({ suffix: '.acme.sf' });
    for (const bad of ['acme', '.Acme', '.acme.', '@acme', '. acme']) {
      expect(lines(minimal(`usernameCollision: { suffix: "${bad}" }\n`))[0]).toMatch(
        /^usernameCollision\.suffix \(line 6\): Expected a lower-case domain suffix starting with "\."/,
      );
    }
  });

  it('reads JSON as well as YAML', () => {
    const json = JSON.stringify({
      version: 1,
      mappings: [{ target: 'Username', source: 'userPrincipalName', matchingPrecedence: 1 }],
    });
    expect(parseMappingConfig(json).ok).toBe(true);
  });

  it('names the path, line and column of an expression that does not parse', () => {
    const text = minimal(`  - target: Alias
    expression: Mid([userPrincipalName], 1, 8
`);
    expect(lines(text)).toEqual([
      'mappings[1].expression (line 7): Expected "," or ")" at column 30 but found end of expression',
    ]);
  });

  it('refuses regex patterns with nested or overlapping quantifiers, located by path, line and column', () => {
    const text = minimal(`  - target: Alias
    expression: 'Replace([displayName], , "^(?<n>(\\w+\\s?)+)$", , "\${n}", , )'
scopingFilters:
  - clauses:
      - { attribute: department, operator: REGEX MATCH, value: "(a|a)*" }
      - { attribute: mail, operator: NOT REGEX MATCH, value: '^[\\w.]+@([\\w-]+\\.)+[\\w-]{2,4}$' }
`);
    expect(lines(text)).toEqual([
      expect.stringMatching(
        /^mappings\[1\]\.expression \(line 7\): Replace regexPattern "\^\(\?<n>\(\\w\+\\s\?\)\+\)\$" could take exponential time to match: nested quantifier: .* \(character 8 of the pattern\), at column 26$/,
      ),
      'scopingFilters[0].clauses[0].value (line 10): Regular expression "(a|a)*" could take exponential time to match: alternatives that can match the same text, under a quantifier (as in (a|a)*) (character 2 of the pattern)',
    ]);
  });

  it('reports every problem at once, each with its path', () => {
    const text = `version: 2
scope: some
mappings:
  - target: Username
    source: userPrincipalName
    constant: x
  - target: username
    expression: Foo(
  - target: Bad-Name
    sorce: mail
scopingFilters:
  - clauses:
      - { attribute: department, operator: STARTS_WITH, value: S }
      - { attribute: employeeId, operator: Greater_Than, value: "1.5" }
      - { attribute: upn, operator: REGEX MATCH, value: "(" }
      - { attribute: upn, operator: IS NULL, value: x }
      - { attribute: upn, operator: EQUALS }
`;
    const found = problems(text).map((p) => `${p.location}: ${p.message}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'version: Invalid input: expected 1',
        expect.stringMatching(/^scope: Invalid option/),
        'mappings[0]: Use one of source, constant or expression, not source and constant',
        'mappings[1].expression: Unknown function "Foo" at column 1',
        'mappings[1].target: Duplicate target "username" (already mapped at mappings[0])',
        'mappings[2].target: Expected a Salesforce field API name',
        'mappings[2].sorce: Unknown key "sorce"',
        'mappings[2]: A mapping needs a source, a constant, an expression or a default',
        'mappings: No matching attribute: give at least one mapping a matchingPrecedence',
        expect.stringMatching(/^scopingFilters\[0\]\.clauses\[0\]\.operator: Expected one of "&", "!&"/),
        'scopingFilters[0].clauses[1].value: Greater_Than compares integers (0, 1, 2, …); "1.5" is not one',
        expect.stringMatching(/^scopingFilters\[0\]\.clauses\[2\]\.value: Invalid regular expression/),
        'scopingFilters[0].clauses[3].value: IS NULL takes no value',
        'scopingFilters[0].clauses[4].value: EQUALS needs a value',
      ]),
    );
  });

  it('rejects picklist constants and defaults Salesforce would refuse, and suggests a value', () => {
    const text = minimal(`  - target: TimeZoneSidKey
    default: Europe/Pariss
  - target: LocaleSidKey
    constant: en-us
validatePicklists: true
`);
    expect(lines(text)).toEqual([
      'mappings[1].default (line 7): "Europe/Pariss" is not a Salesforce TimeZoneSidKey value (did you mean "Europe/Paris"?)',
      'mappings[2].constant (line 9): Salesforce spells this LocaleSidKey value "en_US"',
    ]);
  });

  it('skips the picklist check when validatePicklists is false', () => {
    expect(
      parseMappingConfig(minimal('  - { target: TimeZoneSidKey, default: Mars/Olympus }\nvalidatePicklists: false\n'))
        .ok,
    ).toBe(true);
  });

  it('rejects two matching attributes with the same precedence, and a constant one', () => {
    const text = minimal(`  - { target: Email, source: mail, matchingPrecedence: 1 }
  - { target: FederationIdentifier, constant: x, matchingPrecedence: 2 }
`);
    expect(lines(text)).toEqual([
      'mappings[1].matchingPrecedence (line 6): Matching precedence 1 is already used by mappings[0]',
      'mappings[2].matchingPrecedence (line 7): A matching attribute must come from the user, not a constant',
    ]);
  });

  it('reports a YAML syntax error with its line', () => {
    const [p] = problems('version: 1\nmappings: [\n');
    expect(p?.location).toBe('(root)');
    expect(p?.message).toMatch(/^YAML syntax error/);
    expect(p?.line).toBeGreaterThan(1);
  });

  it('reports a document that is not a mapping at all', () => {
    expect(lines('just text')[0]).toMatch(/^\(root\)/);
  });

  it('warns, without failing, that SingleAppRoleAssignment does not fit scope allUsers', () => {
    const result = parseMappingConfig(
      minimal(
        '  - { target: ProfileName, expression: "SingleAppRoleAssignment([appRoleAssignments])" }\nscope: allUsers\n',
      ),
    );
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.warnings.map((w) => w.location)).toEqual(['mappings[1].expression']);
  });
});

describe('loadMappingConfig', () => {
  it('throws PRV_MAPPING_INVALID listing every problem', () => {
    try {
      loadMappingConfig('version: 1\nmappings: []\n');
      expect.unreachable();
    } catch (e) {
      expect(isProvisionError(e) && e.code).toBe('PRV_MAPPING_INVALID');
      expect((e as Error).message).toContain('mappings (line 2): Too small');
    }
  });
});
