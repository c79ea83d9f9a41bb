import { ClientSecretCredential } from '@azure/identity';
import {
  type AuthenticationProvider,
  Client,
  type Context,
  type Middleware,
  MiddlewareFactory,
} from '@microsoft/microsoft-graph-client';
import { NodeHttpDispatcher } from '@provision/http-dispatcher';

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
  const authProvider = new RenewingTokenProvider(
    () =>
      new ClientSecretCredential(connection.tenantId, connection.clientId, connection.clientSecret, {
        authorityHost,
        ...(authorityHost === AUTHORITY_HOST ? {} : { disableInstanceDiscovery: true }),
      }),
  );
  const host = new URL(graphUrl).hostname;
  return Client.initWithMiddleware({
    baseUrl: graphUrl,
    defaultVersion: 'v1.0',
    middleware: [
      new RenewOnUnauthorized(authProvider),
      new OverNodeHttp(TRANSPORT),
      ...MiddlewareFactory.getDefaultMiddlewareChain(authProvider),
    ],
    ...(graphUrl === GRAPH_URL ? {} : { customHosts: new Set([host]) }),
  });
}

/**
 * The requests of every Graph client in the process travel through node:http(s): the SDK calls
 * Node's `fetch`, whose undici client parses responses with a WebAssembly parser that costs RSS
 * and, run on V8's baseline compiler as the services run WebAssembly, CPU (see
 * @provision/http-dispatcher). Tokens come from @azure/identity, which uses node:https already.
 */
const TRANSPORT = new NodeHttpDispatcher();

/** Hands each request's `fetch` the dispatcher (Node's `fetch` takes one in its options). */
class OverNodeHttp implements Middleware {
  readonly #dispatcher: NodeHttpDispatcher;
  #next: Middleware | undefined;

  constructor(dispatcher: NodeHttpDispatcher) {
    this.#dispatcher = dispatcher;
  }

  async execute(context: Context): Promise<void> {
    context.options = { ...context.options, dispatcher: this.#dispatcher } as unknown as Context['options'];
    await this.#next?.execute(context);
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }
}

/**
 * Client-credentials tokens from `@azure/identity`, which caches a token until it nears expiry.
 * Graph may refuse a token long before (revoked: a secret rotated, continuous access evaluation);
 * `renew()` then starts from a fresh credential, so the next request gets a new token instead of
 * the refused one for the rest of its lifetime.
 */
class RenewingTokenProvider implements AuthenticationProvider {
  readonly #make: () => ClientSecretCredential;
  #credential: ClientSecretCredential;

  constructor(make: () => ClientSecretCredential) {
    this.#make = make;
    this.#credential = make();
  }

  async getAccessToken(): Promise<string> {
    const token = await this.#credential.getToken(`${GRAPH_URL}/.default`);
    if (!token) throw new Error('the identity platform returned no access token');
    return token.token;
  }

  renew(): void {
    this.#credential = this.#make();
  }
}

/** Drops the cached token when Graph answers 401: the request fails as before; the next one signs in again. */
class RenewOnUnauthorized implements Middleware {
  readonly #provider: RenewingTokenProvider;
  #next: Middleware | undefined;

  constructor(provider: RenewingTokenProvider) {
    this.#provider = provider;
  }

  async execute(context: Context): Promise<void> {
    await this.#next?.execute(context);
    if (context.response?.status === 401) this.#provider.renew();
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }
}
