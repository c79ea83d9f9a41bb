import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Pipeline, type Simulators, startPipeline, waitForInitialSync } from '@provision/demo';
import { waitFor } from '@provision/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN, logsOf, sfUser } from './helpers.ts';

// The demo org has salesforce-sim's defaults: the permission set licences SalesConsoleUser (×3) and
// IdentityConnect (×1); the permission sets Sales_Console_Access (needs SalesConsoleUser) and
// Sales_Reports; the permission set groups Console_Agents (needs SalesConsoleUser) and
// Sales_Operations; the public groups Sales_Team and Marketing_Team.

/** Every entitlement type the user holds in Salesforce, by type. */
function held(sims: Simulators, upn: string) {
  const id = sfUser(sims, upn)?.['Id'];
  const org = sims.salesforce.orgId;
  const admin = sims.salesforce.admin;
  if (!id) return null;
  return {
    permissionSets: admin.permissionSetsOf(org, String(id)),
    permissionSetGroups: admin.permissionSetGroupsOf(org, String(id)),
    permissionSetLicenses: admin.permissionSetLicensesOf(org, String(id)),
    groups: admin.groupsOf(org, String(id)),
  };
}

/** An admin assigns the user, in Salesforce, the group, licence and set no rule of the user's groups grants. */
function adminAssignsOthers(sims: Simulators, upn: string): void {
  const id = String(sfUser(sims, upn)?.['Id']);
  const org = sims.salesforce.orgId;
  sims.salesforce.admin.assignEntitlement(org, id, 'permissionSetGroup', 'Sales_Operations');
  sims.salesforce.admin.assignEntitlement(org, id, 'permissionSetLicense', 'IdentityConnect');
  sims.salesforce.admin.assignPermissionSet(org, id, 'Sales_Reports');
}

async function mappingFile(rules: string): Promise<string> {
  const defaults = await readFile(
    join(import.meta.dirname, '..', '..', '..', 'packages', 'mapping', 'config', 'default-mapping.yaml'),
    'utf8',
  );
  const file = join(await mkdtemp(join(tmpdir(), 'provision-entitlements-')), 'mapping.yaml');
  // The default mapping's empty permissionSetRules give way to the test's.
  await writeFile(file, `${defaults.replace(/^permissionSetRules: \[\]$/m, '')}\n${rules}`);
  return file;
}

function person(sims: Simulators, userId: string, upn: string, groupId: string): void {
  sims.graph.admin.createUser(
    {
      userPrincipalName: upn,
      mail: upn,
      mailNickname: upn.split('@')[0],
      givenName: 'Console',
      surname: 'Agent',
      displayName: 'Console Agent',
      accountEnabled: true,
    },
    userId,
  );
  sims.graph.admin.createGroup({ displayName: `Console ${groupId.slice(0, 4)}` }, [userId], groupId);
  sims.graph.admin.assign(userId, 'Standard User');
}

/** Whether the provisioning log has a change of this property for the user. */
async function logged(pipeline: Pipeline, userId: string, property: string): Promise<boolean> {
  return (await logsOf(pipeline, { userId })).some((e) =>
    ((e as unknown as { modifiedProperties?: { displayName: string }[] }).modifiedProperties ?? []).some(
      (p) => p.displayName === property,
    ),
  );
}

async function start(rules: string, prepare: (sims: Simulators) => void): Promise<Pipeline> {
  const pipeline = await startPipeline({
    users: 0,
    existingShare: 0,
    prepare,
    logLevel: 'warn',
    syncIntervalMs: 1000,
    env: { mapper: { MAPPING_FILE: await mappingFile(rules) } },
  });
  await waitForInitialSync(pipeline.audit, { timeoutMs: 120_000 });
  return pipeline;
}

const granted = {
  permissionSets: ['Sales_Console_Access'],
  permissionSetGroups: ['Console_Agents'],
  permissionSetLicenses: ['SalesConsoleUser'],
};

describe('permission sets, permission set groups and licences from Entra groups (merge), end to end', () => {
  const CONSOLE = randomUUID();
  const userId = randomUUID();
  const upn = `agent.${userId.slice(0, 6)}@${DOMAIN}`;
  let pipeline: Pipeline;
  let sims: Simulators;

  beforeAll(async () => {
    pipeline = await start(
      `permissionSetRules:
  - { group: ${CONSOLE}, permissionSets: [Sales_Console_Access] }
permissionSetGroupRules:
  - { group: ${CONSOLE}, permissionSetGroups: [Console_Agents] }
permissionSetLicenseRules:
  - { group: ${CONSOLE}, permissionSetLicenses: [SalesConsoleUser] }
`,
      (s) => person(s, userId, upn, CONSOLE),
    );
    sims = pipeline.sims;
  }, 180_000);
  afterAll(async () => {
    await pipeline?.stop();
  });

  it('gives a member the licence, the set and the group; when the user leaves the group takes back only those, keeping what an admin assigned', async () => {
    await waitFor(() => held(sims, upn)?.permissionSetGroups.length === 1, {
      timeout: 30_000,
      interval: 100,
      message: 'entitlements granted',
    });
    expect(held(sims, upn)).toMatchObject(granted);
    // An admin assigns more in Salesforce: merge leaves them alone.
    adminAssignsOthers(sims, upn);
    sims.graph.admin.removeMember(CONSOLE, userId);
    await waitFor(() => held(sims, upn)?.permissionSetLicenses.includes('SalesConsoleUser') === false, {
      timeout: 30_000,
      interval: 100,
      message: 'entitlements taken back',
    });
    expect(held(sims, upn)).toMatchObject({
      permissionSets: ['Sales_Reports'],
      permissionSetGroups: ['Sales_Operations'],
      permissionSetLicenses: ['IdentityConnect'],
    });
    expect(sfUser(sims, upn)?.['IsActive']).toBe(true);
    // Every entitlement change is in the provisioning log, old → new.
    for (const property of ['PermissionSets', 'PermissionSetGroups', 'PermissionSetLicenses']) {
      await waitFor(() => logged(pipeline, userId, property), {
        timeout: 15_000,
        message: `the audit has the ${property} change`,
      });
    }
  });
});

describe('every entitlement type under authoritative, end to end', () => {
  const CONSOLE = randomUUID();
  const OTHERS = randomUUID();
  const userId = randomUUID();
  const upn = `strict.${userId.slice(0, 6)}@${DOMAIN}`;
  let pipeline: Pipeline;
  let sims: Simulators;

  beforeAll(async () => {
    pipeline = await start(
      `permissionSetRules:
  - { group: ${CONSOLE}, permissionSets: [Sales_Console_Access] }
  - { group: ${OTHERS}, permissionSets: [Sales_Reports] }
permissionSetGroupRules:
  - { group: ${CONSOLE}, permissionSetGroups: [Console_Agents] }
  - { group: ${OTHERS}, permissionSetGroups: [Sales_Operations] }
permissionSetLicenseRules:
  - { group: ${CONSOLE}, permissionSetLicenses: [SalesConsoleUser] }
  - { group: ${OTHERS}, permissionSetLicenses: [IdentityConnect] }
groupMembershipRules:
  - { group: ${CONSOLE}, publicGroups: [Sales_Team] }
  - { group: ${OTHERS}, publicGroups: [Marketing_Team] }
entitlementModes:
  groupMembership: authoritative
  permissionSets: authoritative
  permissionSetGroups: authoritative
  permissionSetLicenses: authoritative
`,
      (s) => {
        person(s, userId, upn, CONSOLE);
        s.graph.admin.createGroup({ displayName: 'Others' }, [], OTHERS);
      },
    );
    sims = pipeline.sims;
  }, 180_000);
  afterAll(async () => {
    await pipeline?.stop();
  });

  it('takes away, with the next change, whatever a rule names that the user should not hold, whoever assigned it; and all of it when the user leaves the group', async () => {
    await waitFor(() => held(sims, upn)?.groups.length === 1, {
      timeout: 30_000,
      interval: 100,
      message: 'entitlements granted',
    });
    expect(held(sims, upn)).toEqual({ ...granted, groups: ['Regular:Sales_Team'] });
    // An admin gives the user what the other group's rules name: authoritative takes it back.
    adminAssignsOthers(sims, upn);
    sims.salesforce.admin.addGroupMember(sims.salesforce.orgId, String(sfUser(sims, upn)?.['Id']), 'Marketing_Team');
    sims.graph.admin.updateUser(userId, { surname: 'Renamed' });
    await waitFor(() => held(sims, upn)?.permissionSetLicenses.includes('IdentityConnect') === false, {
      timeout: 30_000,
      interval: 100,
      message: 'what the rules do not grant taken back',
    });
    expect(held(sims, upn)).toEqual({ ...granted, groups: ['Regular:Sales_Team'] });
    expect(sfUser(sims, upn)?.['LastName']).toBe('Renamed');

    sims.graph.admin.removeMember(CONSOLE, userId);
    await waitFor(() => held(sims, upn)?.groups.length === 0 && held(sims, upn)?.permissionSetLicenses.length === 0, {
      timeout: 30_000,
      interval: 100,
      message: 'everything taken back',
    });
    expect(held(sims, upn)).toEqual({
      permissionSets: [],
      permissionSetGroups: [],
      permissionSetLicenses: [],
      groups: [],
    });
    expect(sfUser(sims, upn)?.['IsActive']).toBe(true);
    await waitFor(() => logged(pipeline, userId, 'PublicGroups'), { timeout: 15_000, message: 'PublicGroups logged' });
  });
});
