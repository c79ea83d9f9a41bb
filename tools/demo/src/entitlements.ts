import type { GraphSim } from '@provision/graph-sim';

/** The Entra group of the demo tenant that grants Salesforce's sales-operations access. */
export const SALES_OPERATIONS = 'Sales Operations';

/** The seeded tenant's group (`sg-Marketing`, …) of that display name, or undefined (an empty tenant has none). */
function groupId(graph: GraphSim, displayName: string): string | undefined {
  for (const [id, group] of graph.tenant.groups.objects) if (group.props['displayName'] === displayName) return id;
  return undefined;
}

/**
 * Adds the demo tenant's "Sales Operations" group: every second member of `sg-Sales`, so that its
 * members are in scope through sg-Sales's assignment and the group needs no app role of its own
 * (a second role would be a multiple-roles conflict). Returns its id, or undefined for a tenant
 * without sg-Sales (an empty demo tenant). The same seed gives the same members.
 */
export function addSalesOperations(graph: GraphSim): string | undefined {
  const sales = groupId(graph, 'sg-Sales');
  if (!sales) return undefined;
  const members = [...(graph.tenant.groups.objects.get(sales)?.members ?? [])].filter((_, i) => i % 2 === 0);
  const group = graph.admin.createGroup(
    { displayName: SALES_OPERATIONS, description: 'Sales operations: console, leads queue, sales team' },
    members,
  );
  return String(group['id']);
}

/**
 * The demo mapping's entitlements, for the groups the seeded tenant has: the marketing team gets the
 * Marketing User feature licence; the sales team the role Sales Rep (by DeveloperName); Sales
 * Operations the permission set groups Sales_Operations and Console_Agents, the permission set
 * licence SalesConsoleUser that Console_Agents needs, the public group Sales_Team and the queue
 * Leads_Queue. Each kind is its own block, so that other rules are added beside them, not into them.
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
  const operations = groupId(graph, SALES_OPERATIONS);
  if (operations) {
    const tag = `# ${SALES_OPERATIONS}`;
    out += [
      '',
      'permissionSetGroupRules:',
      `  - { group: ${operations}, permissionSetGroups: [Sales_Operations, Console_Agents] } ${tag}`,
      'permissionSetLicenseRules:',
      `  - { group: ${operations}, permissionSetLicenses: [SalesConsoleUser] } ${tag}`,
      'groupMembershipRules:',
      `  - { group: ${operations}, publicGroups: [Sales_Team], queues: [Leads_Queue] } ${tag}`,
      '',
    ].join('\n');
  }
  return out;
}
