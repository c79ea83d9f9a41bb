import { isProvisionError } from '@provision/errors';
import { createLogger, createMetrics, onShutdown, registerOpsRoutes } from '@provision/telemetry';
import { createIngestor } from './adapters/wire.ts';
import { readConfig } from './config.ts';

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig();
} catch (error) {
  process.stderr.write(`${isProvisionError(error) ? error.message : String(error)}\n`);
  process.exit(1);
}

const logger = createLogger({
  service: 'ingestor',
  level: config.LOG_LEVEL,
  redact: ['GRAPH_CLIENT_SECRET', 'WEBHOOK_CLIENT_STATE'],
});
const metrics = createMetrics('ingestor');
const { service, close } = await createIngestor(config, { logger, metrics });
registerOpsRoutes(service.http, { ready: service.ready, metrics });

onShutdown(logger, async () => {
  await service.stop();
  await service.http.close();
  await close();
});

// Listen first: creating a subscription makes Graph call the webhook to validate it.
await service.http.listen({ port: config.HTTP_PORT, host: '0.0.0.0' });
const address = service.http.server.address();
logger.info({ port: typeof address === 'object' && address ? address.port : config.HTTP_PORT }, 'started');
await service.start();
