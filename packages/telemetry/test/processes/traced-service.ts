// A service as the pipeline runs one (`node --import @provision/telemetry/preload`): it starts a
// span, stops gracefully through `onShutdown`, and has a span in its own stop. With the batch
// processor's delay set long, those spans reach the receiver only if the stop flushes them.
import { createLogger, inSpan, onShutdown } from '../../src/index.ts';

const logger = createLogger({ service: 'traced-service', level: 'warn' });
await inSpan('work before the signal', {}, async () => undefined);
const alive = setInterval(() => undefined, 60_000);
onShutdown(logger, async () => {
  clearInterval(alive);
  await inSpan('stopping', {}, async () => undefined);
});
process.stdout.write('ready\n');
