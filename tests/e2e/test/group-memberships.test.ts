import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Pipeline, type Simulators, startPipeline, waitForInitialSync } from '@provision/demo';
import { waitFor } from '@provision/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN, logsOf, sfUser } from './helpers.ts';

const SALES_GROUP = randomUUID();
const userId = randomUUID();
const upn = `seller.${userId.slice(0, 6)}@${DOMAIN}`;

// The demo org has the salesforce-sim's default groups: Sales_Team, Marketing_Team, Leads_Queue, Support_Tier_1.
async function mappingFile(): Promise<string> {
  const defaults = await readFile(
    join(import.meta.dirname, '..', '..', '..', 'packages', 'mapping', 'config', 'default-mapping.yaml'),
    'utf8',
  );
  const yaml = `${defaults}\ngroupMembershipRules:\n  - { group: ${SALES_GROUP}, publicGroups: [Sales_Team], queues: [Leads_Queue] }\n`;
  const file = join(await mkdtemp(join(tmpdir(), 'provision-groups-')), 'mapping.yaml');
  await writeFile(file, yaml);
  return file;
}

function prepare(sims: Simulators): void {
  sims.graph.admin.createUser(
    {
      userPrincipalName: upn,
      mail: upn,
      mailNickname: 'seller',
      givenName: 'Seller',
      surname: 'Tester',
      displayName: 'Seller Tester',
      accountEnabled: true,
    },
    userId,
  );
  sims.graph.admin.createGroup({ displayName: 'Sales EMEA' }, [userId], SALES_GROUP);
  sims.graph.admin.assign(userId, 'Standard User');
}

describe('public groups and queues from Entra groups, end to end', () => {
  let pipeline: Pipeline;
  let sims: Simulators;
  const groups = () => {
    const id = sfUser(sims, upn)?.['Id'];
    return id ? sims.salesforce.admin.groupsOf(sims.salesforce.orgId, String(id)) : [];
  };

  beforeAll(async () => {
    pipeline = await startPipeline({
      users: 0,
      existingShare: 0,
      prepare,
      logLevel: 'warn',
      syncIntervalMs: 1000,
      env: { mapper: { MAPPING_FILE: await mappingFile() } },
    });
    sims = pipeline.sims;
    await waitForInitialSync(pipeline.audit, { timeoutMs: 120_000 });
  }, 180_000);
  afterAll(async () => {
    await pipeline?.stop();
  });

  it('makes a member of the Entra group a member of the public group and queue, and takes them away when the user leaves it', async () => {
    await waitFor(() => groups().length === 2, { timeout: 30_000, interval: 100, message: 'memberships granted' });
    expect(groups()).toEqual(['Queue:Leads_Queue', 'Regular:Sales_Team']);
    // An admin adds the user to another public group in Salesforce: merge leaves it alone.
    sims.salesforce.admin.addGroupMember(sims.salesforce.orgId, String(sfUser(sims, upn)?.['Id']), 'Marketing_Team');
    sims.graph.admin.removeMember(SALES_GROUP, userId);
    await waitFor(() => groups().length === 1, { timeout: 30_000, interval: 100, message: 'memberships removed' });
    expect(groups()).toEqual(['Regular:Marketing_Team']);
    expect(sfUser(sims, upn)?.['IsActive']).toBe(true);
    // The provisioning log shows each entitlement change, old → new.
    await waitFor(
      async () =>
        (await logsOf(pipeline, { userId })).some((e) =>
          ((e as unknown as { modifiedProperties?: { displayName: string }[] }).modifiedProperties ?? []).some(
            (p) => p.displayName === 'Queues',
          ),
        ),
      { timeout: 15_000, message: 'the audit has the Queues change' },
    );
  });
});
