import type { ProvisioningResultV1 } from '@provision/events';
import { JsforceSalesforceGateway } from '@provision/salesforce';
import { type SalesforceSim, startSalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayDirectory } from '../src/adapters/salesforce-directory.ts';
import { buildService } from '../src/app.ts';
import type { CommandSource, ResultSink } from '../src/domain/ports.ts';
import { aCommand } from '../src/testing/commands.ts';
import {
  CountingBudget,
  InMemoryLinkStore,
  InMemoryQuarantineStore,
  VirtualClock,
} from '../src/testing/in-memory-stores.ts';

const source: CommandSource = { start: async () => {}, stop: async () => {}, ready: () => true };

/** The writer over jsforce and salesforce-sim, commands handed to it directly (no Kafka needed here). */
function writerOver(sim: SalesforceSim) {
  const results: ProvisioningResultV1[] = [];
  const sink: ResultSink = {
    async publish(published) {
      results.push(...published.map((p) => p.result));
    },
  };
  const gateway = new JsforceSalesforceGateway({
    loginUrl: sim.loginUrl,
    auth: {
      kind: 'password',
      username: sim.credentials.username,
      password: sim.credentials.password,
      securityToken: sim.credentials.securityToken,
    },
  });
  const service = buildService({
    source,
    sink,
    directory: new GatewayDirectory(gateway),
    links: new InMemoryLinkStore(),
    budget: new CountingBudget(),
    quarantineStore: new InMemoryQuarantineStore(),
    clock: new VirtualClock(),
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    settings: {
      dryRun: false,
      maxBatch: 100,
      lingerMs: 1,
      valuesPerQuery: 500,
      quarantine: { threshold: 3, baseDelayMs: 60_000, maxDelayMs: 600_000, retryDelayMs: 1_000, controlPollMs: 1_000 },
    },
  });
  const run = async (command: ReturnType<typeof aCommand>) => {
    await service.handle([{ command }]);
    return results.at(-1)!;
  };
  return { run, close: () => gateway.close() };
}

describe('deprovisioning through jsforce against salesforce-sim', () => {
  let sim: SalesforceSim;
  let writer: ReturnType<typeof writerOver>;
  beforeAll(async () => {
    sim = await startSalesforceSim();
    writer = writerOver(sim);
  });
  afterAll(async () => {
    await writer.close();
    await sim.close();
  });

  const disable = (n: number, fields: Record<string, unknown>) =>
    aCommand({ n, action: 'disable', fields, reasons: [{ code: 'unassigned', message: 'Not assigned' }] });

  it('freezes a leaver through UserLogin, keeping it active (and its licence), and unfreezes it on return', async () => {
    const created = await writer.run(aCommand({ n: 9101 }));
    expect(created.status).toBe('success');
    const id = created.salesforceId!;
    expect((await writer.run(disable(9101, { IsFrozen: true }))).status).toBe('success');
    expect(sim.admin.user(sim.orgId, id)).toMatchObject({ IsActive: true, frozen: true });
    const back = aCommand({ n: 9101, action: 'reactivate' });
    const reactivated = await writer.run({ ...back, fields: { ...back.fields, IsFrozen: false } });
    expect(reactivated.status).toBe('success');
    expect(sim.admin.user(sim.orgId, id)).toMatchObject({ IsActive: true, frozen: false });
  });

  it.each([
    ['defaultLeadOwner', /Lead Settings/],
    ['defaultCaseOwner', /Support Settings/],
    ['workflowUser', /Process Automation Settings/],
    ['hierarchyField', /hierarchy field/],
  ] as const)(
    'names a deactivation Salesforce refuses (%s), what to change in Setup, and deactivates once it is changed',
    async (blocker, where) => {
      const n = 9200 + ['defaultLeadOwner', 'defaultCaseOwner', 'workflowUser', 'hierarchyField'].indexOf(blocker);
      const id = (await writer.run(aCommand({ n }))).salesforceId!;
      sim.admin.setDeactivationBlocker(sim.orgId, id, blocker);
      const refused = await writer.run(disable(n, { IsActive: false }));
      expect(refused).toMatchObject({
        status: 'failure',
        error: { code: 'SalesforceDeactivationBlocked', retriable: false, fields: ['IsActive'] },
      });
      expect(refused.error?.message).toMatch(/before deactivating|cannot deactivate/i);
      expect(refused.error?.recommendedAction).toMatch(where);
      expect(refused.error?.recommendedAction).toMatch(/no change in Entra/);
      expect(sim.admin.user(sim.orgId, id)).toMatchObject({ IsActive: true });
      // The admin changes the setting; the mapper's retry sends the same deactivation again.
      sim.admin.setDeactivationBlocker(sim.orgId, id, null);
      const retried = await writer.run(disable(n, { IsActive: false }));
      expect(retried.status).toBe('success');
      expect(sim.admin.user(sim.orgId, id)).toMatchObject({ IsActive: false });
    },
  );
});
