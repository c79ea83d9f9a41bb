import type { GraphSim } from '@provision/graph-sim';
import { describe, expect, it } from 'vitest';
import { withDemoEntitlements } from './entitlements.ts';

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
  });

  it('leaves the mapping as it is for a tenant without those groups (an empty demo tenant)', () => {
    expect(withDemoEntitlements(YAML, tenant({}))).toBe(YAML);
  });
});
