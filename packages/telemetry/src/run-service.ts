import { secretNames } from '@provision/config';
import type { FastifyInstance } from 'fastify';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Registry } from './metrics.ts';
import { onShutdown } from './shutdown.ts';

/** What `createService` gets besides the configuration: the process's root logger and metrics registry. */
export interface ServiceRuntime {
  readonly logger: Logger;
  readonly metrics: Registry;
}

/**
 * What every service's `buildService(deps)` returns: its HTTP server (API and ops routes, not yet
 * listening) and its lifecycle. Nothing runs before `start()`.
 */
export interface Service {
  readonly http: FastifyInstance;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Readiness (`/readyz`): e.g. the consumers have joined their group. */
  ready(): boolean | Promise<boolean>;
}

/** A service built over real adapters by `createService(config, runtime)`, and how to close those adapters. */
export interface ComposedService<S extends Service = Service> {
  readonly service: S;
  /** Closes the adapters (Kafka, Redis, PostgreSQL, …), after `service.stop()`. */
  close(): Promise<void>;
}

/** The two settings `runService` reads from every service's configuration. */
export interface RuntimeConfig {
  readonly HTTP_PORT: number;
  readonly LOG_LEVEL?: string | undefined;
}

export interface ServiceDefinition<C extends RuntimeConfig> {
  /** The service name, on every log line and metric. */
  readonly name: string;
  /** Reads and validates the configuration; throws one error naming every problem. */
  readConfig(): C;
  /** Builds the adapters and the service over them; starts nothing. */
  createService(config: C, runtime: ServiceRuntime): Promise<ComposedService>;
}

/** How `runService` ends the process and where it reports a failure to start; tests replace them. */
export interface ProcessHooks {
  exit(code: number): never;
  stderr: { write(text: string): unknown };
  /** Where log lines go (default stdout). */
  stdout?: NodeJS.WritableStream;
  /** Registers the graceful shutdown (default: `onShutdown`, SIGTERM/SIGINT with a deadline). */
  onShutdown(logger: Logger, close: () => Promise<void>): void;
}

const PROCESS_HOOKS: ProcessHooks = {
  exit: (code) => process.exit(code),
  stderr: process.stderr,
  onShutdown: (logger, close) => onShutdown(logger, close),
};

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The whole of a service's `main.ts`. In order: reads the configuration (a bad one: its one message
 * on stderr, exit 1); builds the service over its adapters (a failure, such as an invalid mapping
 * file: its message, exit 1); registers the graceful shutdown (stop, close the HTTP server, close
 * the adapters) BEFORE anything starts; listens, then logs `{"msg":"started","port":N}` with the
 * actual port (tests and the demo start services on port 0 and read it); then starts the service.
 * Listening comes first so that `/healthz` answers and `/readyz` says "not ready" while consumers
 * join, and so that Graph can validate the ingestor's webhook while it subscribes.
 */
export async function runService<C extends RuntimeConfig>(
  definition: ServiceDefinition<C>,
  hooks: ProcessHooks = PROCESS_HOOKS,
): Promise<void> {
  let config: C;
  try {
    config = definition.readConfig();
  } catch (error) {
    hooks.stderr.write(`${messageOf(error)}\n`);
    return hooks.exit(1);
  }
  const logger = createLogger({
    service: definition.name,
    ...(config.LOG_LEVEL ? { level: config.LOG_LEVEL } : {}),
    // The secrets the configuration declared (`loadConfig({ secrets })`) never reach a log.
    redact: secretNames(config),
    ...(hooks.stdout ? { destination: hooks.stdout } : {}),
  });
  const metrics = createMetrics(definition.name);
  let composed: ComposedService;
  try {
    composed = await definition.createService(config, { logger, metrics });
  } catch (error) {
    hooks.stderr.write(`${messageOf(error)}\n`);
    return hooks.exit(1);
  }
  const { service } = composed;
  hooks.onShutdown(logger, async () => {
    await service.stop();
    await service.http.close();
    await composed.close();
  });
  await service.http.listen({ port: config.HTTP_PORT, host: '0.0.0.0' });
  const address = service.http.server.address();
  logger.info({ port: typeof address === 'object' && address ? address.port : config.HTTP_PORT }, 'started');
  try {
    await service.start();
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    hooks.exit(1);
  }
}
