import { isProvisionError } from '@provision/errors';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Log } from '../domain/log.ts';

const STATUS: Record<string, number> = {
  PRV_NOT_FOUND: 404,
  PRV_BAD_REQUEST: 400,
  PRV_WEBHOOK_REJECTED: 403,
  PRV_PROVISIONING_PAUSED: 409,
};

/**
 * Domain errors become HTTP answers here and only here. Client mistakes fastify detects (bad JSON,
 * body too large, wrong content type, schema) keep their 4xx; anything else is a logged 500.
 */
export function installErrorHandler(app: FastifyInstance, log: Log): void {
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (isProvisionError(error)) {
      const status = STATUS[error.code] ?? (error.retriable ? 503 : 500);
      if (status >= 500) log.error({ err: error }, 'request failed');
      return reply.code(status).send({ code: error.code, message: error.message });
    }
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ code: 'PRV_BAD_REQUEST', message: error.message });
    }
    log.error({ err: error }, 'request failed');
    return reply.code(500).send({ code: 'PRV_HANDLER_FAILED', message: 'internal error' });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ code: 'PRV_NOT_FOUND', message: 'not found' }));
}
