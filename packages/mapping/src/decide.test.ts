import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadMappingConfig } from './config/parse-config.ts';
import { deactivationDue, decide } from './decide.ts';
import { DEFAULT_MAPPING_YAML, defaultMappingConfig } from './default-mapping.ts';
import { matchingKey } from './desired-state.ts';
import {
  ADMIN_ROLE_ID,
  ADMINS_GROUP,
  direct,
  entraUser,
  SALES_GROUP,
  salesforceUser,
  viaGroup,
} from './test-fixtures.ts';
import type { Decision } from './types.ts';

const config = defaultMappingConfig();
const standard = [direct('Standard User')];
const codes = (d: Decision) => d.reasons.map((r) => r.code);
/** The default mapping with top-level keys replaced by those of `extra` (YAML). */
const withYaml = (extra: string) =>
  loadMappingConfig(JSON.stringify({ ...parse(DEFAULT_MAPPING_YAML), ...parse(extra || '{}') }));

describe('decide', () => {
  it('creates an assigned user missing from Salesforce with every mapped field and the defaults', () => {
    const d = decide(entraUser(), standard, null, config);
    expect(d.action).toBe('create');
    expect(d.fields).toEqual({
      IsActive: true,
      Alias: 'Ada.Love',
      Email: 'ada.lovelace@contoso.com',
      EmailEncodingKey: 'ISO-8859-1',
      LanguageLocaleKey: 'en_US',
      FirstName: 'Ada',
      LastName: 'Lovelace',
      LocaleSidKey: 'en_GB',
      ProfileName: 'Standard User',
      TimeZoneSidKey: 'America/Los_Angeles',
      Username: 'Ada.Lovelace@contoso.com',
      UserPermissionsCallCenterAutoLogin: false,
      UserPermissionsMarketingUser: false,
      UserPermissionsOfflineUser: false,
    });
    expect(d.modifiedProperties).toContainEqual({ name: 'ProfileName', oldValue: null, newValue: 'Standard User' });
    expect(d.matchingKey).toEqual({ attribute: 'Username', value: 'Ada.Lovelace@contoso.com' });
    expect(codes(d)).toEqual(['in-scope', 'role-resolved']);
  });

  it('applies a default on create when the source is empty (LastName ".")', () => {
    const d = decide(entraUser({ attributes: { surname: null } }), standard, null, config);
    expect(d.fields['LastName']).toBe('.');
    expect(codes(d)).toContain('default-value-used');
  });

  it('updates only the fields that changed', () => {
    const current = salesforceUser({ LastName: 'Byron', FirstName: 'Ada' });
    const d = decide(entraUser(), standard, current, config);
    expect(d.action).toBe('update');
    expect(d.fields).toEqual({ LastName: 'Lovelace' });
    expect(d.modifiedProperties).toEqual([{ name: 'LastName', oldValue: 'Byron', newValue: 'Lovelace' }]);
  });

  it('skips a user Salesforce already matches, ignoring case in Username and Email', () => {
    const d = decide(entraUser(), standard, salesforceUser({ Username: 'ada.lovelace@contoso.com' }), config);
    expect(d.action).toBe('skip');
    expect(d.fields).toEqual({});
    expect(codes(d)).toContain('no-changes');
  });

  it('never overwrites fields with no source, defaults or create-only mappings on update', () => {
    const onCreate = withYaml('');
    const current = salesforceUser({
      TimeZoneSidKey: 'Europe/Paris',
      EmailEncodingKey: 'UTF-8',
      UserPermissionsMarketingUser: true,
      LastName: 'Lovelace',
    });
    expect(decide(entraUser(), standard, current, onCreate).action).toBe('skip');

    const createOnly = loadMappingConfig(
      DEFAULT_MAPPING_YAML.replace(
        '  - target: FirstName\n    source: givenName\n',
        '  - target: FirstName\n    source: givenName\n    apply: onCreate\n',
      ),
    );
    const d = decide(entraUser({ attributes: { givenName: 'Augusta' } }), standard, current, createOnly);
    expect(d.action).toBe('skip');
    expect(
      decide(entraUser({ attributes: { givenName: 'Augusta' } }), standard, null, createOnly).fields['FirstName'],
    ).toBe('Augusta');
  });

  it('does not clear a field whose source became empty (Entra provisions no nulls)', () => {
    const d = decide(entraUser({ attributes: { givenName: null } }), standard, salesforceUser(), config);
    expect(d.action).toBe('skip');
  });

  it('disables a user unassigned from the app', () => {
    const d = decide(entraUser(), [], salesforceUser(), config);
    expect(d.action).toBe('disable');
    expect(d.fields).toEqual({ IsActive: false });
    expect(d.modifiedProperties).toEqual([{ name: 'IsActive', oldValue: true, newValue: false }]);
    expect(codes(d)).toEqual(['unassigned']);
    expect(d.inScope).toBe(false);
  });

  it('disables a user soft-deleted in Entra, and one disabled in Entra', () => {
    const deleted = decide(entraUser({ isSoftDeleted: true }), standard, salesforceUser(), config);
    expect(deleted.action).toBe('disable');
    expect(codes(deleted)).toEqual(['soft-deleted']);
    const disabled = decide(entraUser({ attributes: { accountEnabled: false } }), standard, salesforceUser(), config);
    expect(disabled.action).toBe('disable');
    expect(codes(disabled)).toEqual(['account-disabled']);
  });

  it('reactivates a restored user, with the fields that changed meanwhile', () => {
    const current = salesforceUser({ IsActive: false, LastName: 'Byron' });
    const d = decide(entraUser(), standard, current, config);
    expect(d.action).toBe('reactivate');
    expect(d.fields).toEqual({ IsActive: true, LastName: 'Lovelace' });
  });

  it('changes the profile when the role changes', () => {
    const d = decide(entraUser(), [direct('System Administrator', ADMIN_ROLE_ID)], salesforceUser(), config);
    expect(d.action).toBe('update');
    expect(d.fields).toEqual({ ProfileName: 'System Administrator' });
    expect(d.modifiedProperties).toEqual([
      { name: 'ProfileName', oldValue: 'Standard User', newValue: 'System Administrator' },
    ]);
  });

  it('leaves a user with two distinct roles as is, with an error naming both', () => {
    const user = entraUser({ memberOf: [SALES_GROUP, ADMINS_GROUP] });
    const assignments = [
      viaGroup(SALES_GROUP, 'Standard User'),
      viaGroup(ADMINS_GROUP, 'System Administrator', ADMIN_ROLE_ID),
    ];
    for (const current of [null, salesforceUser()]) {
      const d = decide(user, assignments, current, config);
      expect(d.action).toBe('skip');
      const conflict = d.reasons.find((r) => r.code === 'role-conflict');
      expect(conflict?.severity).toBe('error');
      expect(conflict?.message).toMatch(/"Standard User".*"System Administrator"/);
    }
  });

  it('settles two roles as the multipleRoles policy of the mapping says: precedence, refuse', () => {
    const user = entraUser({ memberOf: [SALES_GROUP, ADMINS_GROUP] });
    const assignments = [
      viaGroup(SALES_GROUP, 'Standard User'),
      viaGroup(ADMINS_GROUP, 'System Administrator', ADMIN_ROLE_ID),
    ];
    const precedence = withYaml(`multipleRoles:
  policy: precedence
  precedence: [System Administrator, Standard User]
`);
    const created = decide(user, assignments, null, precedence);
    expect(created.action).toBe('create');
    expect(created.fields['ProfileName']).toBe('System Administrator');
    expect(created.reasons.find((r) => r.code === 'role-precedence')).toMatchObject({
      severity: 'warning',
      message: expect.stringContaining('"System Administrator" wins by multipleRoles.precedence over "Standard User"'),
    });
    const moved = decide(user, assignments, salesforceUser(), precedence);
    expect(moved.action).toBe('update');
    expect(moved.fields).toEqual({ ProfileName: 'System Administrator' });

    const refuse = withYaml('multipleRoles: { policy: refuse }');
    const active = decide(user, assignments, salesforceUser(), refuse);
    expect(active).toMatchObject({ action: 'disable', inScope: false, fields: { IsActive: false } });
    expect(active.reasons.find((r) => r.code === 'role-refused')?.message).toContain('policy: refuse');
    const missing = decide(user, assignments, null, refuse);
    expect(missing.action).toBe('skip');
    expect(codes(missing)).toContain('role-refused');
  });

  it('gives a B2B guest the username Entra gives: alias@theirdomain, not the #EXT# UPN', () => {
    const guest = entraUser({
      attributes: {
        userPrincipalName: 'ada_lovelace_fabrikam.com#EXT#@contoso.onmicrosoft.com',
        mail: 'ada@fabrikam.com',
      },
    });
    const d = decide(guest, standard, null, config);
    expect(d.action).toBe('create');
    expect(d.fields['Username']).toBe('ada_lovelace@fabrikam.com');
    expect(d.matchingKey).toEqual({ attribute: 'Username', value: 'ada_lovelace@fabrikam.com' });
    const federated = withYaml(`mappings:
  - { target: Username, source: userPrincipalName, matchingPrecedence: 1 }
  - { target: FederationIdentifier, source: userPrincipalName }
  - { target: CommunityNickname, expression: 'Replace([originalUserPrincipalName], "#EXT#", , , "", , )' }
  - { target: LastName, source: surname }
`);
    const f = decide(guest, standard, null, federated);
    expect(f.fields).toMatchObject({
      Username: 'ada_lovelace@fabrikam.com',
      FederationIdentifier: 'ada_lovelace@fabrikam.com',
      CommunityNickname: 'ada_lovelace_fabrikam.com@contoso.onmicrosoft.com',
    });
    const member = decide(
      entraUser({ attributes: { userPrincipalName: 'grace_hopper@contoso.com' } }),
      standard,
      null,
      config,
    );
    expect(member.fields['Username']).toBe('grace_hopper@contoso.com');
  });

  it('keeps a username the writer suffixed after a collision in another org (usernameCollision)', () => {
    const suffixed = salesforceUser({ Username: 'ada.lovelace@contoso.com.acme' });
    const withSuffix = withYaml('usernameCollision: { suffix: .acme }');
    expect(decide(entraUser(), standard, suffixed, withSuffix).action).toBe('skip');
    // Without the rule the suffixed username is a difference to correct; another suffix too.
    expect(decide(entraUser(), standard, suffixed, config).fields).toEqual({ Username: 'Ada.Lovelace@contoso.com' });
    const other = salesforceUser({ Username: 'ada.lovelace@contoso.com.other' });
    expect(decide(entraUser(), standard, other, withSuffix).fields).toEqual({ Username: 'Ada.Lovelace@contoso.com' });
  });

  it('keeps a user holding only Default Access out of scope, with the reason', () => {
    const created = decide(entraUser(), [direct(null)], null, config);
    expect(created.action).toBe('skip');
    expect(codes(created)).toEqual(['default-access', 'not-linked']);
    expect(decide(entraUser(), [direct('Default Access')], salesforceUser(), config).action).toBe('disable');
  });

  it('disables a user a scoping filter now leaves out', () => {
    const filtered = withYaml(`scopingFilters:
  - clauses:
      - { attribute: department, operator: EQUALS, value: Sales }
`);
    expect(decide(entraUser(), standard, salesforceUser(), filtered).action).toBe('skip');
    const d = decide(entraUser({ attributes: { department: 'Marketing' } }), standard, salesforceUser(), filtered);
    expect(d.action).toBe('disable');
    expect(d.reasons[0]?.message).toContain('department EQUALS "Sales" (value: "Marketing")');
  });

  it('skips out-of-scope users that are already inactive or were never provisioned', () => {
    expect(codes(decide(entraUser(), [], salesforceUser({ IsActive: false }), config))).toContain('already-disabled');
    expect(codes(decide(entraUser(), [], null, config))).toContain('not-linked');
  });

  it('disables an out-of-scope user Salesforce may hold though none is known (a command’s outcome unknown), by matching key', () => {
    const d = decide(entraUser(), [], null, config, { mayExist: true });
    expect(d).toMatchObject({ action: 'disable', fields: { IsActive: false } });
    expect(d.matchingKey).not.toBeNull();
    const none = withYaml('deprovisioning:\n  action: none\n');
    expect(decide(entraUser(), [], null, none, { mayExist: true }).action).toBe('skip');
  });

  describe('with a durable link (link.field)', () => {
    const linked = withYaml('link:\n  field: EntraObjectId__c\n');
    const user = entraUser();

    it('writes the Entra object id on create and keeps it in step on update', () => {
      const created = decide(user, standard, null, linked);
      expect(created.fields['EntraObjectId__c']).toBe(user.id);
      expect(created.link).toEqual({ field: 'EntraObjectId__c', value: user.id });
      // A user matched before the link was declared gets it with its next update.
      const updated = decide(user, standard, salesforceUser(), linked);
      expect(updated).toMatchObject({ action: 'update', fields: { EntraObjectId__c: user.id } });
      expect(decide(user, standard, salesforceUser({ EntraObjectId__c: user.id }), linked).action).toBe('skip');
      expect(decide(user, standard, null, config).link).toBeNull();
    });

    it('after a lost memory, disables an out-of-scope user only through its link', () => {
      const d = decide(user, [], null, linked, { memoryLost: true });
      expect(d).toMatchObject({ action: 'disable', linkedOnly: true, fields: { IsActive: false } });
      expect(codes(d)).toContain('memory-lost');
      // Without a link there is nothing that tells a user Provision provisioned from any other.
      expect(decide(user, [], null, config, { memoryLost: true }).action).toBe('skip');
      // Known to Provision, or possibly created by it: the ordinary disable, matched as usual.
      expect(decide(user, [], salesforceUser(), linked, { memoryLost: true }).linkedOnly).toBe(false);
      expect(decide(user, [], null, linked, { memoryLost: true, mayExist: true }).linkedOnly).toBe(false);
      const none = withYaml('link:\n  field: EntraObjectId__c\ndeprovisioning:\n  action: none\n');
      expect(decide(user, [], null, none, { memoryLost: true }).action).toBe('skip');
    });

    it('disables a user it never knew only through its link when an admin asks about it', () => {
      const d = decide(user, [], null, linked, { unknownUserAsked: true });
      expect(d).toMatchObject({ action: 'disable', linkedOnly: true });
      expect(codes(d)).toContain('link-check');
      expect(codes(d)).not.toContain('memory-lost');
      expect(decide(user, [], null, config, { unknownUserAsked: true }).action).toBe('skip');
      expect(decide(user, [], salesforceUser(), linked, { unknownUserAsked: true }).linkedOnly).toBe(false);
    });
  });

  it('states the whole desired state with an update, for a writer that finds Salesforce elsewhere than believed', () => {
    const d = decide(entraUser({ attributes: { surname: 'Wilber' } }), standard, salesforceUser(), config);
    expect(d.action).toBe('update');
    expect(Object.keys(d.fields)).toEqual(['LastName']);
    expect(d.desired.update).toMatchObject({ LastName: 'Wilber', ProfileName: 'Standard User' });
    expect(d.desired.create).toMatchObject({ LastName: 'Wilber', TimeZoneSidKey: expect.any(String) });
  });

  it('freezes instead of deactivating when configured, and unfreezes on return', () => {
    const freeze = withYaml('deprovisioning:\n  action: freeze\n');
    const d = decide(entraUser(), [], salesforceUser({ IsFrozen: false }), freeze);
    expect(d.action).toBe('disable');
    expect(d.fields).toEqual({ IsFrozen: true });
    const back = decide(entraUser(), standard, salesforceUser({ IsFrozen: true }), freeze);
    expect(back.action).toBe('reactivate');
    expect(back.fields).toEqual({ IsFrozen: false });
    // Under deactivate, a freeze is an admin's: Provision leaves it.
    expect(decide(entraUser(), standard, salesforceUser({ IsFrozen: true }), config).action).toBe('skip');
  });

  describe('freezeThenDeactivate', () => {
    const later = withYaml('deprovisioning:\n  action: freezeThenDeactivate\n  deactivateAfterDays: 30\n');
    const frozenAt = new Date('2026-03-01T09:00:00Z');
    const day = 86_400_000;

    it('freezes a leaver at once and says when the deactivation is due', () => {
      const d = decide(entraUser(), [], salesforceUser(), later, { freeze: { now: frozenAt } });
      expect(d.action).toBe('disable');
      expect(d.fields).toEqual({ IsFrozen: true });
      const scheduled = d.reasons.find((r) => r.code === 'deactivation-scheduled');
      expect(scheduled?.message).toContain('2026-03-31T09:00:00.000Z');
    });

    it('waits while the freeze is younger than deactivateAfterDays', () => {
      const now = new Date(frozenAt.getTime() + 30 * day - 1);
      const d = decide(entraUser(), [], salesforceUser({ IsFrozen: true }), later, { freeze: { now, frozenAt } });
      expect(d.action).toBe('skip');
      expect(codes(d)).toContain('deactivation-pending');
    });

    it('deactivates a user still out of scope once the days have passed, saying since when it was frozen and why', () => {
      const now = new Date(frozenAt.getTime() + 30 * day);
      const d = decide(entraUser(), [], salesforceUser({ IsFrozen: true }), later, { freeze: { now, frozenAt } });
      expect(d.action).toBe('disable');
      expect(d.fields).toEqual({ IsActive: false });
      expect(codes(d)).toEqual(expect.arrayContaining(['unassigned', 'freeze-expired']));
      expect(d.reasons.find((r) => r.code === 'freeze-expired')?.message).toContain('2026-03-01T09:00:00.000Z');
    });

    it('unfreezes a user back in scope before the deadline, and reactivates one back after it', () => {
      const back = decide(entraUser(), standard, salesforceUser({ IsFrozen: true }), later);
      expect(back.action).toBe('reactivate');
      expect(back.fields).toEqual({ IsFrozen: false });
      const afterDeadline = decide(entraUser(), standard, salesforceUser({ IsFrozen: true, IsActive: false }), later);
      expect(afterDeadline.action).toBe('reactivate');
      expect(afterDeadline.fields).toEqual({ IsActive: true, IsFrozen: false });
    });

    it('accepts fractional days (0.0001 ≈ 8.6 s) and leaves a deactivated leaver alone', () => {
      const short = withYaml('deprovisioning: { action: freezeThenDeactivate, deactivateAfterDays: 0.0001 }\n');
      expect(deactivationDue(frozenAt, short)?.getTime()).toBe(frozenAt.getTime() + 8640);
      expect(deactivationDue(frozenAt, config)).toBeNull();
      const gone = decide(entraUser(), [], salesforceUser({ IsFrozen: true, IsActive: false }), short, {
        freeze: { now: new Date(frozenAt.getTime() + day), frozenAt },
      });
      expect(codes(gone)).toContain('already-disabled');
    });
  });

  it('leaves out-of-scope users alone with deprovisioning: none', () => {
    const none = withYaml('deprovisioning:\n  action: none\n');
    expect(codes(decide(entraUser(), [], salesforceUser(), none))).toContain('deprovisioning-skipped');
  });

  it('provisions every user with scope allUsers, giving the default profile to users without a role', () => {
    const all = withYaml('scope: allUsers\n');
    const d = decide(entraUser(), [], null, all);
    expect(d.action).toBe('create');
    expect(d.fields['ProfileName']).toBe('Chatter Free User');
  });

  it('skips, with an error, a user that has no matching attribute', () => {
    const d = decide(entraUser({ attributes: { userPrincipalName: null } }), standard, null, config);
    expect(d.action).toBe('skip');
    expect(codes(d)).toContain('matching-attribute-missing');
  });

  it('warns about a locale Salesforce would refuse and falls back to the default on create', () => {
    const d = decide(entraUser({ attributes: { preferredLanguage: 'xx-YY' } }), standard, null, config);
    expect(d.fields['LocaleSidKey']).toBe('en_US');
    expect(d.reasons).toContainEqual(
      expect.objectContaining({ code: 'invalid-picklist-value', field: 'LocaleSidKey', severity: 'warning' }),
    );
    const update = decide(
      entraUser({ attributes: { preferredLanguage: 'xx-YY' } }),
      standard,
      salesforceUser(),
      config,
    );
    expect(update.action).toBe('skip');
  });

  it('respells a locale that differs only in case (Replace keeps "EN-US" upper case)', () => {
    const d = decide(entraUser({ attributes: { preferredLanguage: 'EN-US' } }), standard, null, config);
    expect(d.fields['LocaleSidKey']).toBe('en_US');
    expect(codes(d)).toContain('picklist-value-normalized');
  });

  it('drops a field IgnoreFlowIfNullOrEmpty ignores, and warns about an expression that fails, writing the rest', () => {
    const custom = withYaml(`mappings:
  - { target: Username, source: userPrincipalName, matchingPrecedence: 1 }
  - { target: Department, expression: "IgnoreFlowIfNullOrEmpty([department])" }
  - { target: Title, expression: 'IIF([country]="US", "Rep", "Agent")' }
  - { target: LastName, source: surname }
`);
    const d = decide(entraUser({ attributes: { department: '' } }), standard, null, custom);
    expect(d.action).toBe('create');
    expect(d.fields).toEqual({ Username: 'Ada.Lovelace@contoso.com', LastName: 'Lovelace' });
    expect(d.reasons).toContainEqual(expect.objectContaining({ code: 'value-dropped', field: 'Department' }));
    expect(d.reasons).toContainEqual(
      expect.objectContaining({ code: 'expression-failed', field: 'Title', severity: 'warning' }),
    );
  });

  it('warns about required fields that will be missing on create', () => {
    const d = decide(entraUser({ attributes: { mail: null } }), standard, null, config);
    expect(d.action).toBe('create');
    expect(d.reasons).toContainEqual(expect.objectContaining({ code: 'required-field-missing', field: 'Email' }));
  });

  it('sets the Salesforce role and permission sets from groups, and removes only what Provision granted', () => {
    const rules = withYaml(`roleRules:
  - { group: ${SALES_GROUP}, role: Sales Rep }
permissionSetRules:
  - { group: ${SALES_GROUP}, permissionSets: [Sales_Cloud, Reports] }
  - { group: ${ADMINS_GROUP}, permissionSets: [Admin_Tools] }
`);
    const created = decide(entraUser(), standard, null, rules);
    expect(created.fields['UserRoleName']).toBe('Sales Rep');
    expect(created.permissionSets).toEqual({ add: ['Reports', 'Sales_Cloud'], remove: [] });

    // Left the sales group: the role and sets Provision granted go, the manual one stays.
    const current = salesforceUser({ UserRoleName: 'Sales Rep', PermissionSets: ['Sales_Cloud', 'Reports', 'Manual'] });
    const left = entraUser({ memberOf: [] });
    const granted = { userRole: 'Sales Rep', permissionSets: ['Sales_Cloud', 'Reports'] };
    const d = decide(left, standard, current, rules, { granted });
    expect(d.action).toBe('update');
    expect(d.fields).toEqual({ UserRoleName: null });
    expect(d.permissionSets).toEqual({ add: [], remove: ['Reports', 'Sales_Cloud'] });

    // Without a record of grants, nothing is removed.
    const unknown = decide(left, standard, current, rules);
    expect(unknown.action).toBe('skip');
  });

  describe('public groups and queues from groups', () => {
    const rules = (mode = 'merge') =>
      withYaml(`groupMembershipRules:
  - { group: ${SALES_GROUP}, publicGroups: [Sales_Team], queues: [Leads_Queue] }
  - { group: ${ADMINS_GROUP}, publicGroups: [Admins] }
entitlementModes: { groupMembership: ${mode} }
`);
    const left = entraUser({ memberOf: [] });

    it('makes a created user a member of the groups and queues its Entra groups name', () => {
      const d = decide(entraUser(), standard, null, rules());
      expect(d.groupMemberships).toEqual({
        add: [
          { type: 'publicGroup', name: 'Sales_Team' },
          { type: 'queue', name: 'Leads_Queue' },
        ],
        remove: [],
      });
    });

    it('adds only what Salesforce lacks, and skips a user already a member of all', () => {
      const partly = decide(
        entraUser(),
        standard,
        salesforceUser({ PublicGroups: ['Sales_Team'], Queues: [] }),
        rules(),
      );
      expect(partly.action).toBe('update');
      expect(partly.groupMemberships).toEqual({ add: [{ type: 'queue', name: 'Leads_Queue' }], remove: [] });
      const all = salesforceUser({ PublicGroups: ['Sales_Team'], Queues: ['Leads_Queue'] });
      expect(decide(entraUser(), standard, all, rules()).action).toBe('skip');
    });

    it('under merge removes only the memberships Provision granted', () => {
      const current = salesforceUser({ PublicGroups: ['Sales_Team', 'Admins', 'Manual'], Queues: ['Leads_Queue'] });
      const granted = { groupMemberships: [{ type: 'publicGroup' as const, name: 'Sales_Team' }] };
      const d = decide(left, standard, current, rules(), { granted });
      expect(d.action).toBe('update');
      expect(d.groupMemberships).toEqual({ add: [], remove: [{ type: 'publicGroup', name: 'Sales_Team' }] });
      // Without a record of grants, nothing is removed.
      expect(decide(left, standard, current, rules()).action).toBe('skip');
    });

    it('under authoritative also removes memberships of named groups it did not grant, never unnamed ones', () => {
      const current = salesforceUser({ PublicGroups: ['Sales_Team', 'Admins', 'Manual'], Queues: ['Leads_Queue'] });
      const d = decide(left, standard, current, rules('authoritative'));
      expect(d.groupMemberships).toEqual({
        add: [],
        remove: [
          { type: 'publicGroup', name: 'Admins' },
          { type: 'publicGroup', name: 'Sales_Team' },
          { type: 'queue', name: 'Leads_Queue' },
        ],
      });
      // A member of the sales group keeps the sales memberships; the admins one goes.
      const kept = decide(entraUser(), standard, current, rules('authoritative'));
      expect(kept.groupMemberships.remove).toEqual([{ type: 'publicGroup', name: 'Admins' }]);
    });

    it('under authoritative has every command remove the named groups the user should not hold, for the writer to find', () => {
      // Provision's picture says nothing of Admins (an admin added it in Salesforce): the command still names it.
      const current = salesforceUser({ LastName: 'Old', PublicGroups: ['Sales_Team'], Queues: ['Leads_Queue'] });
      const d = decide(entraUser(), standard, current, rules('authoritative'));
      expect(d.action).toBe('update');
      expect(d.groupMemberships).toEqual({ add: [], remove: [{ type: 'publicGroup', name: 'Admins' }] });
      const created = decide(entraUser(), standard, null, rules('authoritative'));
      expect(created.groupMemberships.remove).toEqual([{ type: 'publicGroup', name: 'Admins' }]);
      // Nothing to change, nothing sent: a skip stays a skip.
      const same = salesforceUser({ PublicGroups: ['Sales_Team'], Queues: ['Leads_Queue'] });
      expect(decide(entraUser(), standard, same, rules('authoritative')).action).toBe('skip');
    });

    it('leaves the memberships of a user leaving scope as they are', () => {
      const current = salesforceUser({ PublicGroups: ['Sales_Team'] });
      const granted = { groupMemberships: [{ type: 'publicGroup' as const, name: 'Sales_Team' }] };
      const d = decide(entraUser(), [], current, rules('authoritative'), { granted });
      expect(d.action).toBe('disable');
      expect(d.groupMemberships).toEqual({ add: [], remove: [] });
    });
  });

  it('is deterministic: the same inputs give the same decision', () => {
    const a = decide(entraUser(), standard, salesforceUser({ LastName: 'x' }), config);
    const b = decide(entraUser(), standard, salesforceUser({ LastName: 'x' }), config);
    expect(a).toEqual(b);
  });

  it('exposes the matching key for the writer', () => {
    expect(matchingKey(entraUser(), config)).toEqual({ attribute: 'Username', value: 'Ada.Lovelace@contoso.com' });
  });

  const name = fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom('a', 'B', 'c', 'D', ' ') });
  const maybe = fc.option(name, { nil: null });
  it('property: an update carries only changed fields, and applying it leaves nothing to do', () => {
    fc.assert(
      fc.property(name, maybe, maybe, maybe, fc.boolean(), (given, surname, currentFirst, currentLast, active) => {
        const user = entraUser({ attributes: { givenName: given, surname } });
        const current = salesforceUser({ FirstName: currentFirst, LastName: currentLast, IsActive: active });
        const d = decide(user, standard, current, config);
        expect(['update', 'skip', 'reactivate']).toContain(d.action);
        for (const [field, value] of Object.entries(d.fields)) expect(current[field]).not.toEqual(value);
        const after = salesforceUser({ ...current, ...d.fields });
        expect(decide(user, standard, after, config).action).toBe('skip');
      }),
    );
  });
});
