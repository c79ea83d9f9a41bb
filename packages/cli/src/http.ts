import { signInHint } from './api-auth.ts';
import { CliExit, EXIT } from './io.ts';

/** An answer from one of Provision's services. */
export interface ServiceAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
  readonly headers: Headers;
}

/**
 * Calls a service's HTTP API. A service that cannot be reached is a failure (exit 1) naming the
 * service, the URL and what to check; the caller decides what a non-2xx answer means.
 */
let apiToken: (() => Promise<string>) | undefined;

/** How `callService` signs in (set once per run from the environment; undefined: no token is sent). */
export function useApiToken(source: (() => Promise<string>) | undefined): void {
  apiToken = source;
}

export async function callService(
  service: string,
  url: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; timeoutMs?: number } = {},
): Promise<ServiceAnswer> {
  let authorization: Record<string, string> = {};
  if (apiToken) {
    try {
      authorization = { authorization: `Bearer ${await apiToken()}` };
    } catch (error) {
      throw new CliExit(EXIT.failed, `error: ${(error as Error).message}`);
    }
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { ...authorization, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new CliExit(
      EXIT.failed,
      `error: cannot reach the ${service} at ${url} (${why}): is it running, and is the URL right?`,
    );
  }
  const text = await response.text();
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, body, text, headers: response.headers };
}

/**
 * The message of a service's error answer, for display. Every service answers
 * `{ error: { code, message, … } }`; anything else (a proxy's page, the HTTP server's own
 * refusal) is shown as its first 200 characters.
 */
export function errorMessage(answer: ServiceAnswer): string {
  const e = errorOf(answer);
  if (e && typeof e.message === 'string')
    return `${answer.status} ${typeof e.code === 'string' ? `${e.code}: ` : ''}${e.message}${signInHint(answer.status, apiToken !== undefined)}`;
  return `${answer.status} ${answer.text.slice(0, 200)}`;
}

/** The `error` of a service's error answer, when it has one. */
export function errorOf(
  answer: ServiceAnswer,
): { code?: unknown; message?: unknown; details?: Record<string, unknown> } | undefined {
  const body = answer.body as { error?: unknown } | null;
  const error = typeof body === 'object' && body !== null ? body.error : undefined;
  return typeof error === 'object' && error !== null ? (error as { code?: unknown; message?: unknown }) : undefined;
}
