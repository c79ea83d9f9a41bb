import { ProvisionError } from '@provision/errors';
/** Returns a bearer token for OAUTHBEARER; called for every new connection, so it should cache. */
export type KafkaTokenProvider = () => Promise<string>;

/** An OAuth 2.0 client-credentials grant against the identity provider's token endpoint. */
export interface ClientCredentialsOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes; most providers want one naming the Kafka cluster's audience. */
  scope?: string;
  /** Fetch a new token this long before the current one expires (default 60 s). */
  refreshBeforeMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * A token provider that asks the token endpoint for an access token (client credentials, the
 * secret in the form body as RFC 6749 §2.3.1 allows) and reuses it until shortly before it
 * expires. Concurrent callers share one request. Errors name the endpoint's answer, never the secret.
 */
export function clientCredentialsToken(options: ClientCredentialsOptions): KafkaTokenProvider {
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const refreshBeforeMs = options.refreshBeforeMs ?? 60_000;
  let cached: { token: string; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function request(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.clientId,
      client_secret: options.clientSecret,
      ...(options.scope ? { scope: options.scope } : {}),
    });
    let response: Response;
    try {
      response = await fetchImpl(options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new ProvisionError('PRV_KAFKA_AUTH_FAILED', `Kafka OAuth: token endpoint unreachable: ${describe(error)}`, {
        cause: error,
        retriable: true,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      // 5xx and 429 may pass; 4xx means the client id, secret or scope is wrong.
      const retriable = response.status >= 500 || response.status === 429;
      throw new ProvisionError(
        'PRV_KAFKA_AUTH_FAILED',
        `Kafka OAuth: the token endpoint refused client ${options.clientId} (HTTP ${response.status}): ${errorOf(text)}`,
        { retriable },
      );
    }
    let json: { access_token?: unknown; expires_in?: unknown };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      throw new ProvisionError('PRV_KAFKA_AUTH_FAILED', 'Kafka OAuth: the token endpoint did not answer JSON');
    }
    if (typeof json.access_token !== 'string' || json.access_token === '') {
      throw new ProvisionError('PRV_KAFKA_AUTH_FAILED', 'Kafka OAuth: the token endpoint answered no access_token');
    }
    const lifetimeMs = (Number(json.expires_in) || 300) * 1000;
    // Short-lived tokens are refreshed at half their life rather than never being cached.
    const margin = Math.min(refreshBeforeMs, lifetimeMs / 2);
    cached = { token: json.access_token, expiresAt: now() + lifetimeMs - margin };
    return json.access_token;
  }

  return () => {
    if (cached && now() < cached.expiresAt) return Promise.resolve(cached.token);
    inFlight ??= request().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

/** A fixed token (tests, or a token minted by a sidecar and rotated by restarting). */
export function staticToken(token: string): KafkaTokenProvider {
  return () => Promise.resolve(token);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// An RFC 6749 error answer is `{ error, error_description }`; anything else is cut short.
function errorOf(text: string): string {
  try {
    const json = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    if (typeof json.error === 'string') {
      return typeof json.error_description === 'string' ? `${json.error}: ${json.error_description}` : json.error;
    }
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || '(empty answer)';
}
