import { type ErrorCode, isProvisionError } from '@provision/errors';
import type { FastifyError, FastifyInstance } from 'fastify';

/** What every error answer of every service's API carries, under `error`. */
export interface ErrorAnswer {
  /** A `PRV_*` code (or an Entra-style Salesforce code the writer relays); null for an unexpected failure. */
  readonly code: string | null;
  readonly message: string;
  /** Whether the same request may succeed later. */
  readonly retriable: boolean;
  /** What else the answer says (the parameter at fault, what a lookup tried, the upstream service, …). */
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * The one error body of every service's HTTP API: `{ error: { code, message, retriable, details } }`,
 * the shape of `ProvisionError.toJSON()` — what the console, the CLI and the audit's relay read.
 */
export function errorBody(
  code: string | null,
  message: string,
  options: { readonly retriable?: boolean; readonly details?: Readonly<Record<string, unknown>> } = {},
): { error: ErrorAnswer } {
  return { error: { code, message, retriable: options.retriable ?? false, details: options.details ?? {} } };
}

/** HTTP status of each code an API answer can carry; any other code is a 500 (503 when retriable). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  PRV_BAD_REQUEST: 400,
  PRV_UNAUTHENTICATED: 401,
  PRV_FORBIDDEN: 403,
  PRV_WEBHOOK_REJECTED: 403,
  PRV_NOT_FOUND: 404,
  PRV_PROVISIONING_PAUSED: 409,
  PRV_QUARANTINED: 409,
  PRV_KAFKA_UNAVAILABLE: 503,
  PRV_AUTH_UNAVAILABLE: 503,
};

/** The HTTP status an error answer with `code` gets. */
export function statusOf(code: ErrorCode, retriable: boolean): number {
  return STATUS[code] ?? (retriable ? 503 : 500);
}

export interface ErrorHandlingOptions {
  /** Named in the message of an unexpected failure ("see the <service> service log"). */
  readonly service: string;
  /** Where failures (5xx) are logged; the request's own logger by default. */
  readonly log?: { error(fields: object, message?: string): void };
}

/**
 * The one place a service's errors become HTTP answers, all in `errorBody`'s shape: a
 * `ProvisionError` by its code (`statusOf`); fastify's own client errors (bad JSON, body too
 * large, schema, rate limit) keep their 4xx as `PRV_BAD_REQUEST`; anything else is a logged 500
 * that claims no code. Unknown routes are a `PRV_NOT_FOUND` naming the route.
 */
export function registerErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const log = options.log ?? request.log;
    if (isProvisionError(error)) {
      const status = statusOf(error.code, error.retriable);
      if (status >= 500) log.error({ err: error }, 'request failed');
      return reply.code(status).send({ error: error.toJSON() });
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(errorBody('PRV_BAD_REQUEST', error.message));
    }
    log.error({ err: error }, 'request failed');
    return reply
      .code(500)
      .send(errorBody(null, `Internal error; see the ${options.service} service log.`, { retriable: true }));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('PRV_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
