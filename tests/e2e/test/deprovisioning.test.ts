import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Pipeline, type Simulators, startPipeline, waitForInitialSync } from '@provision/demo';
import { waitFor } from '@provision/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN, logsOf, sfUser } from './helpers.ts';

// deactivateAfterDays takes decimals: 0.0002 days is about 17 s, long enough to bring a user back
// in scope before it, short enough for a test.
const AFTER_DAYS = 0.0002;
const USERS = ['leaver', 'returner', 'blocked'] as const;
const ids = Object.fromEntries(USERS.map((k) => [k, randomUUID()])) as Record<string, string>;
const upn = (key: string) => `${key}.${ids[key]!.slice(0, 6)}@${DOMAIN}`;

async function mappingFile(): Promise<string> {
  const defaults = await readFile(
    join(import.meta.dirname, '..', '..', '..', 'packages', 'mapping', 'config', 'default-mapping.yaml'),
    'utf8',
  );
  const yaml = defaults
    .replace('# link:\n#   field: EntraObjectId__c', 'link:\n  field: EntraObjectId__c')
    .replace(
      'deprovisioning:\n  action: deactivate\n',
      `deprovisioning:\n  action: freezeThenDeactivate\n  deactivateAfterDays: ${AFTER_DAYS}\n`,
    );
  if (!yaml.includes('freezeThenDeactivate\n  deactivateAfterDays') || !yaml.includes('\nlink:')) {
    throw new Error('the default mapping changed shape: cannot derive the test mapping');
  }
  const file = join(await mkdtemp(join(tmpdir(), 'provision-deprov-')), 'mapping.yaml');
  await writeFile(file, yaml);
  return file;
}

function prepare(sims: Simulators): void {
  for (const key of USERS) {
    sims.graph.admin.createUser(
      {
        userPrincipalName: upn(key),
        mail: upn(key),
        mailNickname: key,
        givenName: key,
        surname: 'Tester',
        displayName: `${key} Tester`,
        accountEnabled: true,
      },
      ids[key],
    );
    sims.graph.admin.assign(ids[key]!, 'Standard User');
  }
}

describe('freezeThenDeactivate and refused deactivations, end to end', () => {
  let pipeline: Pipeline;
  let sims: Simulators;
  const unassign = (key: string) => {
    const assignment = [...sims.graph.tenant.visibleAssignments()].find((a) => a.principalId === ids[key]);
    sims.graph.admin.unassign(assignment!.id);
  };
  const state = (key: string) => {
    const u = sfUser(sims, upn(key));
    return { active: u?.['IsActive'], frozen: u?.['frozen'] };
  };
  const until = (what: string, check: () => boolean, timeout = 30_000) =>
    waitFor(check, { timeout, interval: 100, message: what });

  beforeAll(async () => {
    const file = await mappingFile();
    pipeline = await startPipeline({
      users: 0,
      existingShare: 0,
      prepare,
      logLevel: 'warn',
      syncIntervalMs: 1000,
      env: {
        mapper: { MAPPING_FILE: file, RETRY_BASE_MS: '1000', RETRY_MAX_MS: '2000' },
        ingestor: { ASSIGNMENT_POLL_INTERVAL_MS: '1000' },
      },
    });
    sims = pipeline.sims;
    await waitForInitialSync(pipeline.audit, { timeoutMs: 120_000 });
    for (const key of USERS) expect(state(key), key).toEqual({ active: true, frozen: false });
  }, 180_000);
  afterAll(async () => {
    await pipeline?.stop();
  });

  it('freezes leavers at once, unfreezes one back before the deadline, and deactivates the other after it', async () => {
    unassign('leaver');
    unassign('returner');
    await until('both frozen, still active', () =>
      ['leaver', 'returner'].every((k) => state(k).frozen === true && state(k).active === true),
    );
    const frozenAt = Date.now();
    sims.graph.admin.assign(ids['returner']!, 'Standard User');
    await until('returner unfrozen', () => state('returner').frozen === false);
    expect(Date.now() - frozenAt).toBeLessThan(AFTER_DAYS * 86_400_000);
    await until('leaver deactivated after the deadline', () => state('leaver').active === false, 60_000);
    expect(Date.now() - frozenAt).toBeGreaterThan(AFTER_DAYS * 86_400_000 - 3_000);
    expect(state('returner')).toEqual({ active: true, frozen: false });
    // Logged with when the user was frozen and why it is deactivated now.
    await waitFor(
      async () =>
        (await logsOf(pipeline, { userId: ids['leaver']! })).some(
          (e) =>
            e.action === 'disable' &&
            e.status === 'success' &&
            e.reasons.some((r) => r.code === 'freeze-expired' && r.message.startsWith('Frozen since')) &&
            e.reasons.some((r) => r.code === 'unassigned'),
        ),
      { timeout: 15_000, message: 'the audit has the deactivation with its reasons' },
    );
  });

  it('reports a deactivation Salesforce refuses with the reason and the fix, and deactivates once the blocker is gone', async () => {
    const id = String(sfUser(sims, upn('blocked'))?.['Id']);
    sims.salesforce.admin.setDeactivationBlocker(sims.salesforce.orgId, id, 'defaultLeadOwner');
    unassign('blocked');
    await until('blocked user frozen', () => state('blocked').frozen === true);
    let refused: Awaited<ReturnType<typeof logsOf>>[number] | undefined;
    await waitFor(
      async () => {
        const entries = await logsOf(pipeline, { userId: ids['blocked']! });
        refused = entries.find((e) => e.errorInfo?.errorCode === 'SalesforceDeactivationBlocked');
        return refused !== undefined;
      },
      { timeout: 60_000, interval: 250, message: 'the refused deactivation in the audit' },
    );
    expect(refused?.status).toBe('failure');
    expect(refused?.errorInfo?.reason).toMatch(/default lead owner/i);
    expect(refused?.errorInfo?.recommendedAction).toMatch(/Lead Settings/);
    expect(state('blocked')).toEqual({ active: true, frozen: true });
    // The admin changes the default lead owner: nothing changes in Entra, the retry deactivates.
    sims.salesforce.admin.setDeactivationBlocker(sims.salesforce.orgId, id, null);
    await until('blocked user deactivated on retry', () => state('blocked').active === false);
  });
});
