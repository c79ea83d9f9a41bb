import type { GraphSim } from '@provision/graph-sim';

/** The seeded tenant's group (`sg-Marketing`, …) of that display name, or undefined (an empty tenant has none). */
function groupId(graph: GraphSim, displayName: string): string | undefined {
  for (const [id, group] of graph.tenant.groups.objects) if (group.props['displayName'] === displayName) return id;
  return undefined;
}

/**
 * The demo mapping's entitlements, for the groups the seeded tenant has: the marketing team gets the
 * Marketing User feature licence, the sales team the role Sales Rep (by DeveloperName). Each kind
 * is its own block, so that other entitlement rules (permission set groups, public groups) are
 * added beside them, not into them.
 */
export function withDemoEntitlements(yaml: string, graph: GraphSim): string {
  let out = yaml;
  const sales = groupId(graph, 'sg-Sales');
  if (sales) {
    out = out.replace('roleRules: []', `roleRules:\n  - { group: ${sales}, role: Sales_Rep } # sg-Sales`);
  }
  const marketing = groupId(graph, 'sg-Marketing');
  if (marketing) {
    out += `\nfeatureLicenseRules:\n  - { group: ${marketing}, featureLicenses: [UserPermissionsMarketingUser] } # sg-Marketing\n`;
  }
  return out;
}
