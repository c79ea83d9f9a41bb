import { secureHeaders } from '@provision/auth';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface OpsOptions {
  /** Liveness: the process is up and its event loop answers. */
  live?: () => boolean;
  /** Readiness: e.g. the consumers have joined their group; false answers 503. */
  ready: () => boolean | Promise<boolean>;
  metrics: Registry;
}

/**
 * Adds `/healthz`, `/readyz` and `/metrics` to a fastify app. Every service mounts them, on its
 * own API server (audit, ingestor) or on a bare one (`createOpsServer`).
 */
export function registerOpsRoutes(app: FastifyInstance, options: OpsOptions): void {
  app.get('/healthz', async (_req, reply) => {
    const live = options.live?.() ?? true;
    return reply.code(live ? 200 : 503).send({ status: live ? 'ok' : 'down' });
  });
  app.get('/readyz', async (_req, reply) => {
    const ready = await options.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/metrics', async (_req, reply) => {
    return reply.header('content-type', options.metrics.contentType).send(await options.metrics.metrics());
  });
}

/** A fastify server with only the ops routes (and the security headers every server sends), for services that serve nothing else. */
export function createOpsServer(options: OpsOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  secureHeaders(app);
  registerOpsRoutes(app, options);
  return app;
}
