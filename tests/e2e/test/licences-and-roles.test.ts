import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Pipeline, type Simulators, startPipeline, waitForInitialSync } from '@provision/demo';
import { waitFor } from '@provision/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN, logsOf, sfUser } from './helpers.ts';

const MARKETING = 'UserPermissionsMarketingUser';

/** The default mapping with a marketing group ticking Marketing User and a managers group giving Sales Manager. */
async function mappingFile(groups: { marketing: string; managers: string }, mode: string): Promise<string> {
  const defaults = await readFile(
    join(import.meta.dirname, '..', '..', '..', 'packages', 'mapping', 'config', 'default-mapping.yaml'),
    'utf8',
  );
  const yaml = defaults.replace(
    'roleRules: []',
    `roleRules:
  - { group: ${groups.managers}, role: Sales_Manager }
featureLicenseRules:
  - { group: ${groups.marketing}, featureLicenses: [${MARKETING}] }
entitlementModes: { featureLicense: ${mode}, role: ${mode} }`,
  );
  if (yaml === defaults) throw new Error('the default mapping no longer has roleRules: []');
  const file = join(await mkdtemp(join(tmpdir(), 'provision-licences-')), 'mapping.yaml');
  await writeFile(file, yaml);
  return file;
}

interface Person {
  id: string;
  upn: string;
}

function entraUser(sims: Simulators, name: string): Person {
  const id = randomUUID();
  const upn = `${name}.${id.slice(0, 6)}@${DOMAIN}`;
  sims.graph.admin.createUser(
    {
      userPrincipalName: upn,
      mail: upn,
      mailNickname: name,
      givenName: name,
      surname: 'Tester',
      displayName: `${name} Tester`,
      accountEnabled: true,
    },
    id,
  );
  sims.graph.admin.assign(id, 'Standard User');
  return { id, upn };
}

function roleOf(sims: Simulators, upn: string): string | null {
  const id = sfUser(sims, upn)?.['UserRoleId'];
  return sims.salesforce.admin.summary(sims.salesforce.orgId).roles.find((r) => r.id === id)?.name ?? null;
}

type Change = { displayName: string; oldValue: unknown; newValue: unknown };

/** Whether the user's provisioning log shows `name` changed from `oldValue` to `newValue`. */
async function logged(pipeline: Pipeline, userId: string, name: string, oldValue: unknown, newValue: unknown) {
  const entries = await logsOf(pipeline, { userId });
  return entries.some((e) =>
    ((e as unknown as { modifiedProperties?: Change[] }).modifiedProperties ?? []).some(
      (p) => p.displayName === name && p.oldValue === oldValue && p.newValue === newValue,
    ),
  );
}

/**
 * Ana is in Salesforce already, with the role CEO and the Marketing User licence an admin gave her,
 * and assigned in Entra without being in either group: matched on the first sync. Mia is in the
 * marketing group and the managers group. Max is assigned, in no group.
 */
function scenario(sims: Simulators, groups: { marketing: string; managers: string }): Record<string, Person> {
  const ana = entraUser(sims, 'ana');
  sims.salesforce.admin.addUsers(sims.salesforce.orgId, [
    {
      Username: ana.upn,
      LastName: 'Tester',
      FirstName: 'ana',
      Email: ana.upn,
      Alias: 'ana',
      TimeZoneSidKey: 'America/Los_Angeles',
      LocaleSidKey: 'en_US',
      EmailEncodingKey: 'UTF-8',
      LanguageLocaleKey: 'en_US',
      ProfileName: 'Standard User',
      RoleName: 'CEO',
      [MARKETING]: true,
    },
  ]);
  const mia = entraUser(sims, 'mia');
  const max = entraUser(sims, 'max');
  sims.graph.admin.createGroup({ displayName: 'Marketing' }, [mia.id], groups.marketing);
  sims.graph.admin.createGroup({ displayName: 'Sales managers' }, [mia.id], groups.managers);
  return { ana, mia, max };
}

async function start(prepare: (sims: Simulators) => void, mapping: string): Promise<Pipeline> {
  const pipeline = await startPipeline({
    users: 0,
    existingShare: 0,
    prepare,
    logLevel: 'warn',
    syncIntervalMs: 1000,
    env: { mapper: { MAPPING_FILE: mapping } },
  });
  await waitForInitialSync(pipeline.audit, { timeoutMs: 120_000 });
  return pipeline;
}

const timeout = { timeout: 30_000, interval: 100 };

describe.each(['merge', 'authoritative'] as const)(
  'feature licences and the role from Entra groups (%s), end to end',
  (mode) => {
    const groups = { marketing: randomUUID(), managers: randomUUID() };
    let pipeline: Pipeline;
    let sims: Simulators;
    let people: Record<string, Person> = {};

    beforeAll(async () => {
      pipeline = await start(
        (s) => {
          // Merge: two Marketing User licences, one held by Ana (an admin's); the case of the last one.
          if (mode === 'merge')
            s.salesforce.admin.updateOrg(s.salesforce.orgId, { featureLicences: { [MARKETING]: 2 } });
          people = scenario(s, groups);
        },
        await mappingFile(groups, mode),
      );
      sims = pipeline.sims;
    }, 180_000);
    afterAll(async () => {
      await pipeline?.stop();
    });

    it('gives a member of the groups the licence and the role (by DeveloperName), and treats what an admin gave as the mode says', async () => {
      const { ana, mia } = people as Record<'ana' | 'mia', Person>;
      await waitFor(() => sfUser(sims, mia.upn)?.[MARKETING] === true && roleOf(sims, mia.upn) === 'Sales Manager', {
        ...timeout,
        message: 'licence and role given',
      });
      if (mode === 'merge') {
        // Merge: Provision never takes away what it did not give.
        await waitFor(async () => (await logsOf(pipeline, { userId: ana.id })).length > 0, {
          ...timeout,
          message: 'Ana matched',
        });
        expect(sfUser(sims, ana.upn)?.[MARKETING]).toBe(true);
        expect(roleOf(sims, ana.upn)).toBe('CEO');
      } else {
        // Authoritative: the licence the rules manage and the role come from the rules only.
        await waitFor(() => sfUser(sims, ana.upn)?.[MARKETING] === false && roleOf(sims, ana.upn) === null, {
          ...timeout,
          message: 'the admin-given licence and role taken away',
        });
        await waitFor(() => logged(pipeline, ana.id, MARKETING, true, false), {
          ...timeout,
          message: 'logged true → false',
        });
        await waitFor(() => logged(pipeline, ana.id, 'UserRoleName', 'CEO', null), {
          ...timeout,
          message: 'logged CEO → none',
        });
      }
    });

    // The last licence, under merge (the org has a limit only there).
    if (mode === 'merge')
      it('provisions a new member without the licence when none is left, with a LICENSE_LIMIT_EXCEEDED reason naming it', async () => {
        const { max } = people as Record<'max', Person>;
        await waitFor(() => sfUser(sims, max.upn) !== undefined, { ...timeout, message: 'Max created' });
        sims.graph.admin.addMember(groups.marketing, max.id);
        await waitFor(
          async () =>
            (await logsOf(pipeline, { userId: max.id })).some(
              (e) =>
                e.status === 'warning' &&
                e.errorInfo?.errorCode === 'SalesforceLicenseLimitExceeded' &&
                /Marketing User.*counted before assignment/.test(e.errorInfo.reason),
            ),
          { ...timeout, message: 'the log names the exhausted Marketing User licence' },
        );
        expect(sfUser(sims, max.upn)?.[MARKETING]).not.toBe(true);
        expect(sfUser(sims, max.upn)?.['IsActive']).toBe(true);
      });

    it('unticks the licence and clears the role when the user leaves the groups, with both in the log', async () => {
      const { mia } = people as Record<'mia', Person>;
      sims.graph.admin.removeMember(groups.marketing, mia.id);
      sims.graph.admin.removeMember(groups.managers, mia.id);
      await waitFor(() => sfUser(sims, mia.upn)?.[MARKETING] === false && roleOf(sims, mia.upn) === null, {
        ...timeout,
        message: 'licence unticked and role cleared',
      });
      expect(sfUser(sims, mia.upn)?.['IsActive']).toBe(true);
      await waitFor(() => logged(pipeline, mia.id, MARKETING, true, false), {
        ...timeout,
        message: 'logged true → false',
      });
      await waitFor(() => logged(pipeline, mia.id, 'UserRoleName', 'Sales Manager', null), {
        ...timeout,
        message: 'logged Sales Manager → none',
      });
    });
  },
);
