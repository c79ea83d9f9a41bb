import { createGraphClient, GraphAppRolePublisher } from '@provision/graph';
import { type GraphSim, startGraphSim } from '@provision/graph-sim';
import { JsforceSalesforceGateway } from '@provision/salesforce';
import { type SalesforceSim, startSalesforceSim } from '@provision/salesforce-sim';
import { addSalesOperations } from './entitlements.ts';

/** The custom field the demo org has for Provision's durable link (Entra object id). */
export const LINK_FIELD = {
  name: 'EntraObjectId__c',
  label: 'Entra Object ID',
  length: 36,
  externalId: true,
  unique: true,
} as const;

export interface SimulatorOptions {
  /** Synthetic users in the tenant (0: an empty tenant the caller fills). */
  users: number;
  seed: number;
  /** Share of the assigned users that already exist in Salesforce, to be matched rather than created. */
  existingShare: number;
  /** Licences per Salesforce user licence; default: enough for every user. */
  licences?: number;
}

export interface Simulators {
  graph: GraphSim;
  salesforce: SalesforceSim;
  /** Users seeded into Salesforce before the sync (they must be matched, not created again). */
  preexisting: string[];
  close(): Promise<void>;
}

/**
 * Starts both simulators in this process and prepares them as an admin would: Salesforce profiles
 * imported and published as the Entra app's roles, then the tenant seeded (so its assignments use
 * those roles), and some assigned users already present in Salesforce.
 */
export async function startSimulators(options: SimulatorOptions): Promise<Simulators> {
  const licences = options.licences ?? Math.max(100, options.users * 2);
  const salesforce = await startSalesforceSim({
    org: {
      name: 'Provision Demo',
      // The durable link's field, created as docs/operations.md asks an admin to.
      customFields: { User: [LINK_FIELD] },
      licences: [
        { name: 'Salesforce', key: 'SFDC', total: licences },
        { name: 'Salesforce Platform', key: 'AUL', total: licences },
        { name: 'Chatter Free', key: 'PID_Chatter', total: licences },
        { name: 'Chatter External', key: 'PID_Chatter_External', total: 500 },
        { name: 'Identity', key: 'PID_Identity', total: 100 },
      ],
      // Counted as Salesforce counts them; enough for every user of the demo's marketing group.
      featureLicences: { UserPermissionsMarketingUser: licences },
    },
  });
  const graph = await startGraphSim({ users: 0, seed: options.seed, allowHttpNotificationUrl: true });
  await importProfilesAsRoles(graph, salesforce);
  if (options.users > 0) {
    graph.admin.seed({ users: options.users, seed: options.seed });
    // The demo's entitlements (entitlements.ts): the Sales Operations group, and enough of the
    // licence its permission set group needs for all of its members (the default org has 3).
    addSalesOperations(graph);
    salesforce.admin.setPermissionSetLicenseTotal(salesforce.orgId, 'SalesConsoleUser', licences);
  }
  const preexisting = seedExistingUsers(graph, salesforce, options.existingShare);
  return {
    graph,
    salesforce,
    preexisting,
    async close() {
      await Promise.allSettled([graph.close(), salesforce.close()]);
    },
  };
}

/** Entra's "import profiles": Salesforce profiles become the app's roles (ids stable across imports). */
export async function importProfilesAsRoles(graph: GraphSim, salesforce: SalesforceSim): Promise<string[]> {
  const gateway = new JsforceSalesforceGateway({
    auth: {
      kind: 'password',
      username: salesforce.credentials.username,
      password: salesforce.credentials.password,
      securityToken: salesforce.credentials.securityToken,
    },
    loginUrl: salesforce.loginUrl,
  });
  try {
    const profiles = await gateway.listProfiles();
    const client = createGraphClient({
      tenantId: graph.tenantId,
      clientId: graph.clientId,
      clientSecret: graph.clientSecret,
      authorityHost: graph.authorityHost,
      graphUrl: graph.url,
    });
    const result = await new GraphAppRolePublisher(client, graph.applicationId).publish(
      profiles.map((p) => ({ value: p.name, displayName: p.name, description: `Salesforce profile ${p.name}` })),
    );
    return [...result.added, ...result.updated];
  } finally {
    await gateway.close();
  }
}

function seedExistingUsers(graph: GraphSim, salesforce: SalesforceSim, share: number): string[] {
  if (share <= 0) return [];
  const profiles = new Set(salesforce.admin.summary(salesforce.orgId).profiles.map((p: { name: string }) => p.name));
  const roles = new Map(graph.tenant.application.appRoles.map((r) => [r.id, r.value]));
  const candidates = [...graph.tenant.visibleAssignments()].filter(
    (a) => a.principalType === 'User' && profiles.has(roles.get(a.appRoleId) ?? ''),
  );
  const chosen = candidates.filter((_, i) => i % Math.max(1, Math.round(1 / share)) === 0);
  const seeds = chosen.flatMap((a) => {
    const user = graph.tenant.users.objects.get(a.principalId);
    if (!user) return [];
    const p = user.props as Record<string, string | undefined>;
    const upn = String(p['userPrincipalName']);
    return [
      {
        Username: upn,
        Email: p['mail'] ?? upn,
        FirstName: p['givenName'] ?? null,
        LastName: p['surname'] ?? 'Unknown',
        Alias: upn.slice(0, 8),
        TimeZoneSidKey: 'America/Los_Angeles',
        LocaleSidKey: 'en_US',
        LanguageLocaleKey: 'en_US',
        EmailEncodingKey: 'UTF-8',
        ProfileName: roles.get(a.appRoleId)!,
      },
    ];
  });
  if (seeds.length > 0) salesforce.admin.addUsers(salesforce.orgId, seeds);
  return seeds.map((s) => s.Username);
}
