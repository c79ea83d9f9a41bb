// An example subscriber: keeps "who is active in Salesforce" from Provision's lifecycle stream, in
// memory, prints each event, and serves the table.
//
//   KAFKA_BROKERS=127.0.0.1:9092 ./pnpmw --filter @provision/subscriber example
//   curl localhost:8089/active     curl localhost:8089/users     curl localhost:8089/summary
//
// KAFKA_BROKERS (required), TOPIC_PREFIX (Provision's, default none), PORT (default 8089; 0 picks
// one), GROUP_ID (default a new group per start: the table is in memory, so each start rebuilds it
// from the earliest retained event), QUIET=1 prints no line per event.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { TOPICS } from '@provision/events';
import { createKafkaClient, type Logger, stopOnSignals } from '@provision/kafka';
import { ActiveUsers, formatSummary } from '../active-users.ts';
import { subscribe } from '../subscribe.ts';

const env = process.env;
if (!env['KAFKA_BROKERS']) {
  console.error('KAFKA_BROKERS is required: the brokers of the Kafka cluster Provision publishes to (host:port,…)');
  process.exit(2);
}
const port = Number(env['PORT'] ?? 8089);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number from 0 to 65535 (got '${env['PORT']}')`);
  process.exit(2);
}
const quiet = env['QUIET'] === '1';

const logger: Logger = {
  child: () => logger,
  debug: () => undefined,
  info: () => undefined,
  warn: (fields, message) => console.error(`warn: ${message ?? ''} ${JSON.stringify(fields)}`),
  error: (fields, message) => console.error(`error: ${message ?? ''} ${JSON.stringify(fields)}`),
};

const table = new ActiveUsers();
const kafka = createKafkaClient({ brokers: env['KAFKA_BROKERS'], clientId: 'provision-example-subscriber', logger });
const subscription = subscribe({
  kafka,
  topic: TOPICS.lifecycle,
  topicPrefix: env['TOPIC_PREFIX'] ?? '',
  groupId: env['GROUP_ID'] ?? `example-subscriber-${randomBytes(4).toString('hex')}`,
  logger,
  handler: async (event) => {
    const applied = table.apply(event);
    if (!quiet) {
      const changes = event.changes.map((c) => `${c.name}=${JSON.stringify(c.newValue ?? null)}`).join(' ');
      console.log(
        `${applied ? '' : '(again) '}${event.type} ${event.userId} → ${event.salesforceId} ${event.active ? 'active' : 'inactive'}${changes && event.type === 'mover' ? ` ${changes}` : ''}`,
      );
    }
  },
});

const server = createServer((req, res) => {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
  };
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (req.method !== 'GET') return send(405, { error: 'only GET' });
  if (path === '/active') return send(200, table.active());
  if (path === '/users') return send(200, table.all());
  if (path === '/summary') return send(200, { ...table.summary(), line: formatSummary(table.summary()) });
  if (path === '/readyz') return send(subscription.isReady() ? 200 : 503, { ready: subscription.isReady() });
  return send(404, { error: 'GET /active, /users, /summary or /readyz' });
});

stopOnSignals(
  [
    () => subscription.stop(),
    async () => {
      console.log(`subscriber: ${formatSummary(table.summary())}`);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    () => kafka.close(),
  ],
  { logger },
);
await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
const address = server.address();
await subscription.start();
console.log(
  `example subscriber: reading ${env['TOPIC_PREFIX'] ?? ''}${TOPICS.lifecycle}; http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/active and /summary`,
);
