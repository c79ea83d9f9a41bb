/** Where the CLI's access token for Provision's APIs comes from: client credentials, from the environment. */
export const API_AUTH_ENV = {
  clientId: 'PROVISION_CLIENT_ID',
  clientSecret: 'PROVISION_CLIENT_SECRET',
  tenantId: 'PROVISION_TENANT_ID',
  authorityHost: 'PROVISION_AUTHORITY_HOST',
  scope: 'PROVISION_API_SCOPE',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

const first = (env: Env, ...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');

/** The scope of client-credentials tokens for the API: `<App ID URI>/.default`. */
export function defaultScope(audience: string): string {
  return audience.includes('://') ? `${audience.replace(/\/+$/, '')}/.default` : `api://${audience}/.default`;
}

/**
 * A token source when a client id and secret are configured (PROVISION_CLIENT_ID and
 * PROVISION_CLIENT_SECRET: an app registration granted Provision.Read and/or Provision.Operate);
 * the tenant, authority and scope fall back to the services' AUTH_* variables. Undefined otherwise:
 * the services then answer 401, and the CLI says what to set.
 */
export function apiTokenSource(env: Env): (() => Promise<string>) | undefined {
  const clientId = first(env, API_AUTH_ENV.clientId);
  const clientSecret = first(env, API_AUTH_ENV.clientSecret);
  if (!clientId || !clientSecret) return undefined;
  const tenantId = first(env, API_AUTH_ENV.tenantId, 'AUTH_TENANT_ID');
  const host = first(env, API_AUTH_ENV.authorityHost, 'AUTH_AUTHORITY_HOST');
  const audience = first(env, 'AUTH_AUDIENCE')?.split(',')[0]?.trim();
  const scope = first(env, API_AUTH_ENV.scope) ?? (audience ? defaultScope(audience) : undefined);
  let cached: { token: string; until: number } | undefined;
  return async () => {
    if (cached && cached.until > Date.now()) return cached.token;
    const missing = [
      tenantId ? null : `${API_AUTH_ENV.tenantId} (or AUTH_TENANT_ID)`,
      host ? null : `${API_AUTH_ENV.authorityHost} (or AUTH_AUTHORITY_HOST)`,
      scope ? null : `${API_AUTH_ENV.scope} (or AUTH_AUDIENCE)`,
    ].filter(Boolean);
    if (missing.length > 0) throw new Error(`signing in needs ${missing.join(', ')}`);
    const endpoint = `${host!.replace(/\/+$/, '')}/${tenantId}/oauth2/v2.0/token`;
    const response = await fetch(endpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        scope: scope!,
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error_description?: string;
    };
    if (!response.ok || !body.access_token) {
      throw new Error(`signing in at ${endpoint} failed: ${body.error_description ?? `HTTP ${response.status}`}`);
    }
    cached = { token: body.access_token, until: Date.now() + ((body.expires_in ?? 300) - 60) * 1000 };
    return body.access_token;
  };
}

/** What to tell an admin whose call was refused with 401 or 403. */
export function signInHint(status: number, signedIn: boolean): string {
  if (status === 401 && !signedIn) {
    return ` — sign in: set ${API_AUTH_ENV.clientId} and ${API_AUTH_ENV.clientSecret} (an app granted Provision.Read or Provision.Operate), ${API_AUTH_ENV.tenantId}, ${API_AUTH_ENV.authorityHost} and ${API_AUTH_ENV.scope}`;
  }
  if (status === 403) return ' — the app of PROVISION_CLIENT_ID lacks that app role: an admin grants it in Entra ID';
  return '';
}
