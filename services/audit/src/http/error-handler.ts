import { type ErrorCode, isProvisionError } from '@provision/errors';
import type { FastifyError, FastifyInstance } from 'fastify';

/** HTTP status of each code an API answer can carry; anything else is a 500 (503 when retriable). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  PRV_BAD_REQUEST: 400,
  PRV_NOT_FOUND: 404,
  PRV_KAFKA_UNAVAILABLE: 503,
  PRV_QUARANTINED: 409,
};

/** The one place errors become HTTP answers: `{ error: { code, message, details } }`. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isProvisionError(error)) {
      const status = STATUS[error.code] ?? (error.retriable ? 503 : 500);
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ error: error.toJSON() });
    }
    // fastify's own client errors (malformed URL, unsupported media type, …) keep their 4xx.
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({
        error: { code: 'PRV_BAD_REQUEST', message: error.message, retriable: false, details: {} },
      });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({
      // No catalogue code fits an unexpected failure, so none is claimed.
      error: { code: null, message: 'Internal error; see the audit service log.', retriable: true, details: {} },
    });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: {
        code: 'PRV_NOT_FOUND',
        message: `No route ${request.method} ${request.url.split('?')[0]}`,
        retriable: false,
        details: {},
      },
    }),
  );
}
