import { type LogEntry, type Pipeline, provisioningLog, type Simulators } from '@provision/demo';

export const DOMAIN = 'contoso.example';

/** The Salesforce user with this username in the demo org, or undefined. */
export function sfUser(sims: Simulators, username: string): Record<string, unknown> | undefined {
  return sims.salesforce.admin.users(sims.salesforce.orgId, { username })[0] as Record<string, unknown> | undefined;
}

export function profileName(sims: Simulators, profileId: unknown): string | undefined {
  return sims.salesforce.admin.summary(sims.salesforce.orgId).profiles.find((p) => p.id === profileId)?.name;
}

/** The org's users that Provision could have created (not the admin, not the seeded ones). */
export function orgUsernames(sims: Simulators): string[] {
  return sims.salesforce.admin
    .users(sims.salesforce.orgId)
    .map((u) => String((u as Record<string, unknown>)['Username']));
}

/** Every log entry matching `query`, through the demo harness's paging reader. */
export async function logsOf(pipeline: Pipeline, query: Record<string, string>): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const entry of provisioningLog(pipeline.audit, query)) entries.push(entry);
  return entries;
}
