import type { GraphConnection } from '@provision/graph';
import type { Command } from 'commander';
import type { Setting, SettingsReader } from './settings.ts';

/** The Graph settings, with the ingestor's variable names as fallbacks. */
export const GRAPH = {
  tenantId: { flag: '--graph-tenant-id', env: ['GRAPH_TENANT_ID'] },
  clientId: { flag: '--graph-client-id', env: ['GRAPH_CLIENT_ID'] },
  clientSecret: { flag: '--graph-client-secret', env: ['GRAPH_CLIENT_SECRET'], secret: true },
  url: { flag: '--graph-url', env: ['GRAPH_BASE_URL'] },
  authorityHost: { flag: '--graph-authority-host', env: ['GRAPH_AUTHORITY_HOST'] },
} as const satisfies Record<string, Setting>;

/** Adds the Graph connection flags to a command. */
export function graphOptions(command: Command): Command {
  return command
    .option('--graph-tenant-id <id>', 'the Entra tenant (env GRAPH_TENANT_ID)')
    .option('--graph-client-id <id>', "Provision's app registration (env GRAPH_CLIENT_ID)")
    .option('--graph-client-secret <secret>', 'its client secret (env GRAPH_CLIENT_SECRET)')
    .option('--graph-url <url>', 'Graph, default https://graph.microsoft.com (env GRAPH_BASE_URL)')
    .option('--graph-authority-host <url>', 'default https://login.microsoftonline.com (env GRAPH_AUTHORITY_HOST)');
}

/** Whether any Graph credential is configured (to decide if Graph is used at all). */
export function graphConfigured(reader: SettingsReader): boolean {
  return [GRAPH.tenantId, GRAPH.clientId, GRAPH.clientSecret].some((s) => reader.raw(s) !== undefined);
}

/** Reads the Graph settings, recording every problem in `reader`. */
export function readGraphSettings(reader: SettingsReader, why: string): GraphConnection | undefined {
  const tenantId = reader.text(GRAPH.tenantId, why);
  const clientId = reader.text(GRAPH.clientId, why);
  const clientSecret = reader.text(GRAPH.clientSecret, why);
  const graphUrl = reader.url(GRAPH.url, ['https:']);
  const authorityHost = reader.url(GRAPH.authorityHost, ['https:']);
  if (tenantId === undefined || clientId === undefined || clientSecret === undefined) return undefined;
  return {
    tenantId,
    clientId,
    clientSecret,
    ...(graphUrl ? { graphUrl } : {}),
    ...(authorityHost ? { authorityHost } : {}),
  };
}
