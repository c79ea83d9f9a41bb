import type { Session } from './auth.ts';

/** The API refused the session (expired or revoked): the app signs out. */
export class SignedOut extends Error {}

/** An answer of the API that is not a success, with the message the service gave. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
    readonly unavailable: boolean,
  ) {
    super(message);
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  /** A download (CSV, NDJSON): a link cannot carry the bearer token, so it is fetched and saved from memory. */
  download(path: string, fileName: string): Promise<void>;
}

export function createApi(session: () => Session | null, onSignedOut: (why: string) => void): Api {
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const s = session();
    if (!s || s.expiresAt <= Date.now()) {
      onSignedOut('Your session ended: sign in again.');
      throw new SignedOut('signed out');
    }
    const response = await fetch(path, {
      ...init,
      headers: { accept: 'application/json', ...(init.headers ?? {}), authorization: `Bearer ${s.accessToken}` },
    });
    if (response.status === 401) {
      onSignedOut('Your session is no longer valid: sign in again.');
      throw new SignedOut('signed out');
    }
    if (!response.ok) {
      let message = `${path.split('?')[0]} answered ${response.status}`;
      let code: string | null = null;
      let unavailable = false;
      // Every API error is `{ error: { code, message, retriable, details } }`; an answer without
      // one (a proxy's page, the HTTP server's own refusal) is shown by its status.
      try {
        const { error } = await response.json();
        if (typeof error === 'object' && error !== null) {
          message = error.message || message;
          code = error.code ?? null;
          unavailable = Boolean(error.details?.unavailable);
        }
      } catch {}
      if (response.status === 403) message = `Not allowed: ${message}`;
      throw new ApiError(message, response.status, code, unavailable);
    }
    return response;
  };
  return {
    get: async (path) => (await call(path)).json(),
    post: async (path, body) =>
      (
        await call(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json(),
    async download(path, fileName) {
      const blob = await (await call(path, { headers: { accept: '*/*' } })).blob();
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = fileName;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    },
  };
}

/** The message to show for a failed call (nothing for a sign-out, which the app shows itself). */
export function problemOf(error: unknown): string | null {
  if (error instanceof SignedOut) return null;
  return error instanceof Error ? error.message : String(error);
}
