// A consumer process for the redelivery test: it handles events, and on the event whose seq is
// HANG_AT it reports "handled <seq>" and then never returns, so the test can SIGKILL it after the
// work but before the commit, as a crash would.
import { createKafkaClient, outcome } from '../../src/index.ts';
import { TestEvent } from '../support.ts';

const { KAFKA_BROKERS = '', TOPIC = '', GROUP = '', HANG_AT = '0' } = process.env;
const kafka = createKafkaClient({ brokers: KAFKA_BROKERS, clientId: 'hanging-consumer' });
const consumer = kafka.consumer({
  groupId: GROUP,
  topics: [TOPIC],
  schema: TestEvent,
  sessionTimeoutMs: 2_000,
  heartbeatIntervalMs: 300,
  maxWaitTimeMs: 100,
  handler: async (event) => {
    process.stdout.write(`handled ${event.seq}\n`);
    if (event.seq === Number(HANG_AT)) await new Promise(() => undefined);
    return outcome.done();
  },
});
await consumer.start();
process.stdout.write('ready\n');
