import { ClientSecretCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';

/** Where and as whom to reach Graph. The defaults are Microsoft's public cloud. */
export interface GraphConnection {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Entra authority, default `https://login.microsoftonline.com` (must be https). */
  readonly authorityHost?: string;
  /** Graph origin, default `https://graph.microsoft.com` (must be https). */
  readonly graphUrl?: string;
}

export const GRAPH_URL = 'https://graph.microsoft.com';
export const AUTHORITY_HOST = 'https://login.microsoftonline.com';

/**
 * A Graph client authenticated with the client-credentials flow (`ClientSecretCredential`).
 *
 * The SDK attaches the token only to Graph's own hosts and to `customHosts` (host names, https only),
 * so another origin (a sovereign cloud, the simulator) is registered as a custom host. Another
 * authority skips instance discovery, which would otherwise ask Microsoft's public endpoint about it.
 */
export function createGraphClient(connection: GraphConnection): Client {
  const authorityHost = connection.authorityHost ?? AUTHORITY_HOST;
  const graphUrl = (connection.graphUrl ?? GRAPH_URL).replace(/\/+$/, '');
  const credential = new ClientSecretCredential(connection.tenantId, connection.clientId, connection.clientSecret, {
    authorityHost,
    ...(authorityHost === AUTHORITY_HOST ? {} : { disableInstanceDiscovery: true }),
  });
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [`${GRAPH_URL}/.default`] });
  const host = new URL(graphUrl).hostname;
  return Client.initWithMiddleware({
    authProvider,
    baseUrl: graphUrl,
    defaultVersion: 'v1.0',
    ...(graphUrl === GRAPH_URL ? {} : { customHosts: new Set([host]) }),
  });
}
