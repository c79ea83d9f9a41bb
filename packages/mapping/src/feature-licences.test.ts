import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadMappingConfig, parseMappingConfig } from './config/parse-config.ts';
import { decide } from './decide.ts';
import { DEFAULT_MAPPING_YAML } from './default-mapping.ts';
import { ADMINS_GROUP, direct, entraUser, SALES_GROUP, salesforceUser } from './test-fixtures.ts';

const standard = [direct('Standard User')];
const doc = (extra: string) => JSON.stringify({ ...parse(DEFAULT_MAPPING_YAML), ...parse(extra) });
const withYaml = (extra: string) => loadMappingConfig(doc(extra));
const problems = (extra: string) => {
  const r = parseMappingConfig(doc(extra));
  return r.ok ? [] : r.problems.map((p) => `${p.location}: ${p.message}`);
};

const rules = (mode = 'merge') =>
  withYaml(`featureLicenseRules:
  - { group: ${SALES_GROUP}, featureLicenses: [UserPermissionsMarketingUser] }
  - { when: 'Switch([department], "False", "Support", "True")', featureLicenses: [UserPermissionsSupportUser, UserPermissionsKnowledgeUser] }
entitlementModes: { featureLicense: ${mode} }
`);

describe('feature licences from groups and attributes', () => {
  it('ticks the licences a group and an attribute expression grant on create', () => {
    const sales = decide(entraUser(), standard, null, rules());
    expect(sales.action).toBe('create');
    expect(sales.fields['UserPermissionsMarketingUser']).toBe(true);
    expect(sales.fields['UserPermissionsSupportUser']).toBeUndefined();
    const support = decide(entraUser({ memberOf: [], attributes: { department: 'Support' } }), standard, null, rules());
    expect(support.fields['UserPermissionsSupportUser']).toBe(true);
    expect(support.fields['UserPermissionsKnowledgeUser']).toBe(true);
    // Under merge the default mapping's default (False) is not sent for a licence the rules manage:
    // a matched user keeps one an admin gave (a new user's checkbox is false anyway).
    expect(support.fields['UserPermissionsMarketingUser']).toBeUndefined();
    expect(decide(entraUser({ memberOf: [] }), standard, null, rules('authoritative')).fields).toMatchObject({
      UserPermissionsMarketingUser: false,
    });
  });

  it('under merge unticks a licence Provision ticked once the user leaves the group, and never one it did not', () => {
    const current = salesforceUser({ UserPermissionsMarketingUser: true, UserPermissionsKnowledgeUser: true });
    const left = entraUser({ memberOf: [] });
    const d = decide(left, standard, current, rules(), {
      granted: { featureLicenses: ['UserPermissionsMarketingUser'] },
    });
    expect(d.action).toBe('update');
    expect(d.fields).toEqual({ UserPermissionsMarketingUser: false });
    expect(d.modifiedProperties).toEqual([{ name: 'UserPermissionsMarketingUser', oldValue: true, newValue: false }]);
    // No record of the grant: an admin's, left alone.
    expect(decide(left, standard, current, rules()).action).toBe('skip');
  });

  it('under authoritative unticks every licence the rules name that no rule grants the user, whoever ticked it', () => {
    const current = salesforceUser({
      UserPermissionsMarketingUser: true,
      UserPermissionsKnowledgeUser: true,
      UserPermissionsSupportUser: false,
    });
    const d = decide(entraUser({ memberOf: [] }), standard, current, rules('authoritative'));
    expect(d.fields).toEqual({ UserPermissionsMarketingUser: false, UserPermissionsKnowledgeUser: false });
    // Stated in the desired state, so every command makes Salesforce agree.
    expect(d.desired.update).toMatchObject({
      UserPermissionsMarketingUser: false,
      UserPermissionsSupportUser: false,
      UserPermissionsKnowledgeUser: false,
    });
    // A licence no rule names (Offline User) is never the rules' business.
    expect(d.desired.update['UserPermissionsOfflineUser']).toBeUndefined();
  });

  it('under authoritative sends no command only to untick licences Provision never knew the user to hold', () => {
    // The mapper's picture of a user provisioned before the rules: no licence fields at all.
    const known = salesforceUser();
    for (const f of ['UserPermissionsMarketingUser', 'UserPermissionsOfflineUser'])
      delete (known as Record<string, unknown>)[f];
    const d = decide(entraUser({ memberOf: [] }), standard, known, rules('authoritative'));
    expect(d.action).toBe('skip');
    // Its next command states them, so the writer unticks what Salesforce holds.
    expect(d.desired.update['UserPermissionsMarketingUser']).toBe(false);
  });

  it('applies a rule with both a group and an expression only when both hold', () => {
    const both = withYaml(`featureLicenseRules:
  - { group: ${SALES_GROUP}, when: 'IIF([department]="Sales", "True", "False")', featureLicenses: [UserPermissionsInteractionUser] }
`);
    expect(decide(entraUser(), standard, null, both).fields['UserPermissionsInteractionUser']).toBe(true);
    const elsewhere = entraUser({ attributes: { department: 'Finance' } });
    expect(decide(elsewhere, standard, null, both).fields['UserPermissionsInteractionUser']).toBeUndefined();
    const outside = entraUser({ memberOf: [] });
    expect(decide(outside, standard, null, both).fields['UserPermissionsInteractionUser']).toBeUndefined();
  });

  it('reports an unknown licence, a rule without group or expression and a bad expression where they are', () => {
    expect(
      problems(`featureLicenseRules:
  - { group: g1, featureLicenses: [UserPermissionsMarketingUser, MarketingUser] }
  - { featureLicenses: [UserPermissionsKnowledgeUser] }
  - { when: 'Switch([department]', featureLicenses: [UserPermissionsSupportUser] }
`),
    ).toEqual([
      expect.stringMatching(
        /^featureLicenseRules\[0\]\.featureLicenses\[1\]: "MarketingUser" is not a feature licence field \(did you mean "UserPermissionsMarketingUser"\?\)/,
      ),
      'featureLicenseRules[1]: A feature licence rule needs a group (an Entra group object id), a when expression, or both',
      expect.stringMatching(/^featureLicenseRules\[2\]\.when: /),
    ]);
  });

  it('refuses an attribute mapping that would fight a rule over the same licence', () => {
    const text = `featureLicenseRules:
  - { group: ${ADMINS_GROUP}, featureLicenses: [UserPermissionsMarketingUser] }
mappings:
  - { target: Username, source: userPrincipalName, matchingPrecedence: 1 }
  - { target: UserPermissionsMarketingUser, constant: "True" }
`;
    expect(problems(text)).toEqual([
      'mappings[1].target: UserPermissionsMarketingUser is granted by featureLicenseRules: a mapping may give it a default only (no source, constant or expression)',
    ]);
  });
});

describe('UserRole by group with precedence', () => {
  const roles = (mode = 'merge') =>
    withYaml(`roleRules:
  - { group: ${ADMINS_GROUP}, role: Sales_Manager }
  - { group: ${SALES_GROUP}, role: Sales Rep }
entitlementModes: { role: ${mode} }
`);

  it('gives the role of the first rule whose group the user is a direct member of', () => {
    expect(decide(entraUser(), standard, null, roles()).fields['UserRoleName']).toBe('Sales Rep');
    const both = entraUser({ memberOf: [SALES_GROUP, ADMINS_GROUP] });
    expect(decide(both, standard, null, roles()).fields['UserRoleName']).toBe('Sales_Manager');
  });

  it('under merge clears only the role Provision set; under authoritative any role of a user no rule matches', () => {
    const left = entraUser({ memberOf: [] });
    const admins = salesforceUser({ UserRoleName: 'CEO' });
    expect(decide(left, standard, admins, roles()).action).toBe('skip');
    const d = decide(left, standard, admins, roles('authoritative'));
    expect(d.fields).toEqual({ UserRoleName: null });
    expect(d.modifiedProperties).toEqual([{ name: 'UserRoleName', oldValue: 'CEO', newValue: null }]);
  });

  it('reports a rule hidden by an earlier one for the same group, and a mapping that also sets the role', () => {
    expect(
      problems(`roleRules:
  - { group: g1, role: CEO }
  - { group: g1, role: Sales Rep }
mappings:
  - { target: Username, source: userPrincipalName, matchingPrecedence: 1 }
  - { target: UserRoleName, constant: CEO }
`),
    ).toEqual([
      'roleRules[1].group: this group already has a role at roleRules[0], which comes first and wins: this rule never applies',
      'mappings[1].target: UserRoleName is set by roleRules: remove this mapping or the role rules',
    ]);
  });
});
