import { NodeHttpDispatcher } from '@provision/http-dispatcher';
import { Connection } from 'jsforce/lib/core.js';
import { setDispatcher } from 'jsforce/lib/request.js';
import {
  DEFAULT_API_VERSION,
  jwtAudience,
  resolveLoginUrl,
  type SalesforceConnectionOptions,
  signJwtAssertion,
} from './auth.ts';
import { classifyLoginError } from './classify.ts';
import { SalesforceGatewayError } from './gateway-error.ts';
import type { ApiUsage } from './types.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

// Every jsforce request in the process travels through node:http(s) rather than undici's own
// client (see @provision/http-dispatcher: 12–19 MB of RSS less per process). jsforce keeps one
// dispatcher for the process, so this is set once, here, before any connection is made.
setDispatcher(new NodeHttpDispatcher() as unknown as Parameters<typeof setDispatcher>[0]);

type Transportish = { httpRequest: (...args: never[]) => { stream(): NodeJS.EventEmitter } };

/**
 * A jsforce connection to one org: logged in lazily (SOAP password + token, JWT bearer or client
 * credentials, at the tenant's login URL), re-authorized when an OAuth session expires, and every
 * HTTP request it makes counted, jsforce's own retries included.
 */
export class JsforceSession {
  readonly #options: SalesforceConnectionOptions;
  readonly #loginUrl: string;
  #conn: Connection | undefined;
  #connecting: Promise<Connection> | undefined;
  #calls = 0;

  constructor(options: SalesforceConnectionOptions) {
    this.#options = options;
    this.#loginUrl = resolveLoginUrl(options);
  }

  /** The login URL in use. */
  get loginUrl(): string {
    return this.#loginUrl;
  }

  /** Requests made so far, and the org's daily usage as Salesforce last reported it. */
  usage(): ApiUsage {
    const api = this.#conn?.limitInfo.apiUsage;
    return { calls: this.#calls, ...(api ? { used: api.used, limit: api.limit } : {}) };
  }

  async close(): Promise<void> {
    // The session is left to expire: logging out would end it for every other user of the credentials.
    this.#conn = undefined;
    this.#connecting = undefined;
  }

  #countRequests(transport: Transportish): void {
    const original = transport.httpRequest.bind(transport) as (...args: unknown[]) => {
      stream(): NodeJS.EventEmitter;
    };
    (transport as { httpRequest: unknown }).httpRequest = (...args: unknown[]) => {
      this.#calls++;
      const pending = original(...args);
      // jsforce retries idempotent requests by itself; each retry is another request to Salesforce.
      pending.stream().on('retry', () => {
        this.#calls++;
      });
      return pending;
    };
  }

  #newConnection(): Connection {
    const auth = this.#options.auth;
    const version = this.#options.version ?? DEFAULT_API_VERSION;
    const oauth2 =
      auth.kind === 'client-credentials'
        ? { loginUrl: this.#loginUrl, clientId: auth.clientId, clientSecret: auth.clientSecret }
        : auth.kind === 'jwt'
          ? { loginUrl: this.#loginUrl, clientId: auth.clientId }
          : { loginUrl: this.#loginUrl };
    const conn = new Connection({
      loginUrl: this.#loginUrl,
      version,
      oauth2,
      // OAuth flows without refresh tokens re-authorize when a session expires (jsforce #896, #1357).
      ...(auth.kind === 'password'
        ? {}
        : {
            refreshFn: (c: Connection, callback: (err: Error | null | undefined, token?: string) => void) => {
              this.#authenticate(c).then(
                () => callback(null, c.accessToken ?? undefined),
                (error: Error) => callback(error),
              );
            },
          }),
    });
    this.#countRequests(conn._transport as unknown as Transportish);
    this.#countRequests(conn.oauth2._transport as unknown as Transportish);
    return conn;
  }

  async #authenticate(conn: Connection): Promise<void> {
    const auth = this.#options.auth;
    switch (auth.kind) {
      case 'password':
        await conn.login(auth.username, auth.password + (auth.securityToken ?? ''));
        return;
      case 'jwt': {
        const assertion = signJwtAssertion({
          clientId: auth.clientId,
          username: auth.username,
          audience: jwtAudience(this.#options, this.#loginUrl),
          privateKey: auth.privateKey,
        });
        await conn.authorize({ grant_type: JWT_BEARER, assertion });
        return;
      }
      case 'client-credentials':
        await conn.authorize({ grant_type: 'client_credentials' });
        return;
    }
  }

  /** The logged-in connection, logging in on first use; a failed login is classified and tried again on the next call. */
  async connection(): Promise<Connection> {
    if (this.#conn) return this.#conn;
    this.#connecting ??= (async () => {
      const conn = this.#newConnection();
      try {
        await this.#authenticate(conn);
      } catch (error) {
        this.#connecting = undefined;
        throw error instanceof SalesforceGatewayError
          ? error
          : new SalesforceGatewayError(classifyLoginError(error), error);
      }
      this.#conn = conn;
      return conn;
    })();
    return this.#connecting;
  }
}
