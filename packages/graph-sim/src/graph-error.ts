import { randomUUID } from 'node:crypto';

/** An error answered in Graph's documented envelope: `{ error: { code, message, innerError } }`. */
export class GraphHttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'GraphHttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Shorthands for the errors the directory answers most (codes as Graph spells them). */
export const graphErrors = {
  badRequest: (message: string) => new GraphHttpError(400, 'Request_BadRequest', message),
  notFound: (id: string) =>
    new GraphHttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  unsupportedQuery: (message: string) => new GraphHttpError(400, 'Request_UnsupportedQuery', message),
  invalidRequest: (message: string) => new GraphHttpError(400, 'invalidRequest', message),
  syncStateNotFound: () =>
    new GraphHttpError(
      400,
      'syncStateNotFound',
      'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
    ),
  unauthenticated: (message: string) => new GraphHttpError(401, 'InvalidAuthenticationToken', message),
  tooManyRequests: (retryAfterSeconds: number) =>
    new GraphHttpError(429, 'TooManyRequests', 'Please retry again later.', {
      'retry-after': String(retryAfterSeconds),
    }),
} as const;

/** Graph's error body; `innerError` is camelCase so the JS SDK fills `GraphError.requestId` and `date`. */
export function errorEnvelope(
  code: string,
  message: string,
  requestId: string,
  clientRequestId: string | undefined,
  now: Date = new Date(),
): { error: { code: string; message: string; innerError: Record<string, string> } } {
  const innerError: Record<string, string> = { date: now.toISOString().slice(0, 19), 'request-id': requestId };
  innerError['client-request-id'] = clientRequestId ?? requestId;
  return { error: { code, message, innerError } };
}

/** A fresh request id, as Graph puts in `request-id` headers and `innerError`. */
export function newRequestId(): string {
  return randomUUID();
}
