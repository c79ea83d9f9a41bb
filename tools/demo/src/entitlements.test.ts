import { type GraphSim, startGraphSim } from '@provision/graph-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSalesOperations, SALES_OPERATIONS, withDemoEntitlements } from './entitlements.ts';

const tenant = (groups: Record<string, string>) =>
  ({
    tenant: {
      groups: { objects: new Map(Object.entries(groups).map(([id, name]) => [id, { props: { displayName: name } }])) },
    },
  }) as unknown as GraphSim;
const YAML = 'version: 1\nroleRules: []\npermissionSetRules: []\n';

describe('the demo mapping’s entitlements', () => {
  it('gives the sales group a role and the marketing group the Marketing User licence, each rule on its own line', () => {
    const out = withDemoEntitlements(YAML, tenant({ g1: 'sg-Sales', g2: 'sg-Marketing', g3: 'sg-IT' }));
    expect(out).toContain('roleRules:\n  - { group: g1, role: Sales_Rep } # sg-Sales\n');
    expect(out).toContain('featureLicenseRules:\n  - { group: g2, featureLicenses: [UserPermissionsMarketingUser] }');
    expect(out).toContain('permissionSetRules: []');
    expect(out).not.toContain('permissionSetGroupRules');
  });

  it('gives Sales Operations two permission set groups, the licence they need, a public group and a queue', () => {
    const out = withDemoEntitlements(YAML, tenant({ g4: SALES_OPERATIONS }));
    expect(out).toContain(
      'permissionSetGroupRules:\n  - { group: g4, permissionSetGroups: [Sales_Operations, Console_Agents] }',
    );
    expect(out).toContain('permissionSetLicenseRules:\n  - { group: g4, permissionSetLicenses: [SalesConsoleUser] }');
    expect(out).toContain(
      'groupMembershipRules:\n  - { group: g4, publicGroups: [Sales_Team], queues: [Leads_Queue] }',
    );
  });

  it('leaves the mapping as it is for a tenant without those groups (an empty demo tenant)', () => {
    expect(withDemoEntitlements(YAML, tenant({}))).toBe(YAML);
  });
});

describe('the demo tenant’s Sales Operations group', () => {
  let graph: GraphSim;
  beforeAll(async () => {
    graph = await startGraphSim({ users: 200, seed: 1 });
  });
  afterAll(async () => {
    await graph?.close();
  });

  it('holds every second member of sg-Sales, so its members are in scope through sg-Sales', () => {
    const id = addSalesOperations(graph);
    const groups = [...graph.tenant.groups.objects.values()];
    const sales = groups.find((g) => g.props['displayName'] === 'sg-Sales');
    const operations = id ? graph.tenant.groups.objects.get(id) : undefined;
    expect(operations?.props['displayName']).toBe(SALES_OPERATIONS);
    const members = [...(operations?.members ?? [])];
    expect(members.length).toBeGreaterThan(0);
    expect(members.length).toBe(Math.ceil((sales?.members?.size ?? 0) / 2));
    for (const m of members) expect(sales?.members?.has(m), m).toBe(true);
  });

  it('is not added to a tenant without sg-Sales', async () => {
    const empty = await startGraphSim({ users: 0, seed: 1 });
    try {
      expect(addSalesOperations(empty)).toBeUndefined();
    } finally {
      await empty.close();
    }
  });
});
