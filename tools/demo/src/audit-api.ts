/** The audit service's API as a caller reaches it: its URL and how to get an access token for it. */
export interface AuditApi {
  readonly url: string;
  /** A valid bearer token for the Provision API (cached until shortly before it expires). */
  token(): Promise<string>;
}

/** Either an `AuditApi`, or the URL of one a pipeline of this process registered (it signs in for you). */
export type AuditTarget = string | AuditApi;

const registered = new Map<string, AuditApi>();

/**
 * Makes `api.url` sign in with `api.token()` wherever a helper is given the bare URL (the chaos
 * tool, the benchmarks and the e2e tests hold `pipeline.auditUrl`). Returns the undo.
 */
export function registerAuditApi(api: AuditApi): () => void {
  registered.set(api.url, api);
  return () => {
    if (registered.get(api.url) === api) registered.delete(api.url);
  };
}

/** The base URL of a target. */
export function auditUrlOf(target: AuditTarget): string {
  return typeof target === 'string' ? target : target.url;
}

/** GET `path` of the audit API, signed in when the target (or its registration) can get a token. */
export async function auditFetch(target: AuditTarget, path: string | URL, init: RequestInit = {}): Promise<Response> {
  const api = typeof target === 'string' ? registered.get(target) : target;
  const url = new URL(path, auditUrlOf(target));
  const headers = new Headers(init.headers);
  if (api) headers.set('authorization', `Bearer ${await api.token()}`);
  return fetch(url, { ...init, headers });
}

/** Client credentials against an Entra-shaped token endpoint, with the token cached until 2 minutes before it expires. */
export function clientCredentials(options: {
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string;
}): () => Promise<string> {
  let cached: { token: string; until: number } | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = async () => {
    const response = await fetch(options.tokenEndpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: options.clientId,
        client_secret: options.clientSecret,
        scope: options.scope,
      }),
    });
    const body = (await response.json()) as { access_token?: string; expires_in?: number; error_description?: string };
    if (!response.ok || !body.access_token) {
      throw new Error(`no access token from ${options.tokenEndpoint}: ${body.error_description ?? response.status}`);
    }
    cached = { token: body.access_token, until: Date.now() + ((body.expires_in ?? 300) - 120) * 1000 };
    return body.access_token;
  };
  return async () => {
    if (cached && cached.until > Date.now()) return cached.token;
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
