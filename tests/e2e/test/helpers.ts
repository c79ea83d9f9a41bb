import type { Pipeline, Simulators } from '@provision/demo';

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

export interface LogEntry {
  action: string;
  status: string;
  sourceIdentity: { id: string; userPrincipalName: string | null };
  targetIdentity: { id: string | null; linkedBy: string | null };
  errorInfo: { errorCode: string; reason: string; recommendedAction: string | null } | null;
  reasons: { code: string; message: string }[];
}

export async function logsOf(pipeline: Pipeline, query: Record<string, string>): Promise<LogEntry[]> {
  const url = new URL('/api/provisioning-logs', pipeline.auditUrl);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  url.searchParams.set('limit', '1000');
  const response = await fetch(url);
  if (!response.ok) throw new Error(`audit: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { items: LogEntry[] }).items;
}
