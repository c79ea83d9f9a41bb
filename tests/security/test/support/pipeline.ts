import type { Pipeline } from '@provision/demo';
import { GRAPH_URL } from '@provision/graph';
import type { GraphSim } from '@provision/graph-sim';
import { waitFor } from '@provision/testkit';
import { graphSimToken } from './tokens.ts';

/** The ids of the change-notification subscriptions the ingestor holds at graph-sim. */
export async function subscriptionIdsOf(graph: GraphSim, ingestorUrl: string): Promise<string[]> {
  const token = await graphSimToken(graph, graph, `${GRAPH_URL}/.default`);
  return waitFor(
    async () => {
      const response = await fetch(`${graph.url}/v1.0/subscriptions`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const { value } = (await response.json()) as { value: { id: string; notificationUrl: string }[] };
      const ours = value.filter((s) => s.notificationUrl.startsWith(ingestorUrl)).map((s) => s.id);
      return ours.length > 0 ? ours : undefined;
    },
    { timeout: 60_000, interval: 500, message: 'the ingestor has subscribed to change notifications' },
  );
}

/** A counter of a service's `/metrics`, by its labels (0 when absent). */
export async function metric(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || !match[1]!.endsWith(name)) continue;
    const has = Object.entries(labels).every(([k, v]) => match[2]!.includes(`${k}="${v}"`));
    if (has) total += Number(match[3]);
  }
  return total;
}

/** Salesforce's users as `username → IsActive, ProfileId, LastName`, to compare before and after. */
export function salesforceSnapshot(pipeline: Pipeline): Record<string, string> {
  const { salesforce } = pipeline.sims;
  const users = salesforce.admin.users(salesforce.orgId) as Record<string, unknown>[];
  return Object.fromEntries(
    users.map((u) => [String(u['Username']), `${u['IsActive']} ${u['ProfileId']} ${u['LastName']}`]),
  );
}
