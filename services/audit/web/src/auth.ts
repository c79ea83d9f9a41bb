// Sign-in with Entra ID as a single-page app: authorization code + PKCE. The access token lives in
// this tab only (memory and sessionStorage, never a cookie or localStorage).

export interface AuthConfig {
  readonly authority: string;
  readonly clientId: string;
  readonly scope: string;
}

export interface Session {
  readonly accessToken: string;
  readonly expiresAt: number;
  readonly user: { readonly name: string; readonly roles: readonly string[] };
}

const SESSION = 'provision.session';
const PENDING = 'provision.sign-in';
const store = window.sessionStorage;
const redirectUri = `${location.origin}/`;

export function readAuthConfig(): AuthConfig | null {
  const meta = document.querySelector('meta[name="provision-auth"]');
  try {
    return meta ? (JSON.parse(meta.getAttribute('content') ?? 'null') as AuthConfig | null) : null;
  } catch {
    return null;
  }
}

export function loadSession(): Session | null {
  try {
    const saved = JSON.parse(store.getItem(SESSION) ?? 'null') as Session | null;
    return saved && saved.expiresAt > Date.now() + 30_000 ? saved : null;
  } catch {
    return null;
  }
}

export function forgetSession(): void {
  store.removeItem(SESSION);
}

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Only to show who is signed in and which buttons apply: the API checks the token, not the page.
function whoIs(token: string): Session['user'] {
  try {
    const part = (token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
    return { name: claims.name || claims.preferred_username || claims.oid, roles: claims.roles || [] };
  } catch {
    return { name: 'signed in', roles: [] };
  }
}

/** Goes to the authority's sign-in page; the page asked for (a deep link) is restored on return. */
export async function signIn(config: AuthConfig): Promise<void> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const returnTo = location.pathname + location.search;
  store.setItem(PENDING, JSON.stringify({ verifier, state, returnTo }));
  const params = new URLSearchParams({
    client_id: config.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    response_mode: 'query',
    scope: config.scope,
    state,
    code_challenge: base64url(new Uint8Array(digest)),
    code_challenge_method: 'S256',
  });
  location.assign(`${config.authority}/oauth2/v2.0/authorize?${params.toString()}`);
}

/**
 * Back from the authority with `?code=…&state=…` (or `?error=…`): redeems the code with the
 * verifier. Null when this is not a sign-in answer.
 */
export async function completeSignIn(config: AuthConfig | null): Promise<Session | null> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return null;
  const pending = JSON.parse(store.getItem(PENDING) ?? 'null') as {
    verifier: string;
    state: string;
    returnTo?: string;
  } | null;
  store.removeItem(PENDING);
  // The code never stays in the address bar or the history.
  const returnTo = pending?.returnTo;
  const back = returnTo?.startsWith('/') && !returnTo.startsWith('//');
  history.replaceState(null, '', back ? returnTo : location.pathname);
  if (error) throw new Error(`Sign-in failed: ${params.get('error_description') || error}`);
  if (!config) throw new Error('Sign-in is not configured for the console (AUTH_DASHBOARD_CLIENT_ID).');
  if (!pending || pending.state !== params.get('state')) {
    throw new Error('Sign-in failed: the answer does not match the request (state). Sign in again.');
  }
  const response = await fetch(`${config.authority}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: config.clientId,
      grant_type: 'authorization_code',
      code: code ?? '',
      redirect_uri: redirectUri,
      code_verifier: pending.verifier,
      scope: config.scope,
    }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`Sign-in failed: ${body.error_description || response.status}`);
  const session: Session = {
    accessToken: body.access_token,
    expiresAt: Date.now() + Number(body.expires_in) * 1000,
    user: whoIs(body.access_token),
  };
  store.setItem(SESSION, JSON.stringify(session));
  return session;
}
