import {
  type DirectoryEventV1,
  keyProblem,
  type ProvisioningCommandV1,
  type ProvisioningResultV1,
  TOPIC_SCHEMAS,
  TOPICS,
} from '@provision/events';
import { type ConsumerRunner, type EventProducer, type KafkaClient, type Logger, outcome } from '@provision/kafka';
import type { CommandSink, DirectoryBatch, DirectoryFeed, Lane, ResultFeed } from '../domain/ports.ts';

/** `entra.directory.v1` through the Kafka driver, a partition's batch at a time. */
export function kafkaDirectoryFeed(
  client: KafkaClient,
  options: { topic: string; groupId: string; logger: Logger; batchSize?: number },
): DirectoryFeed {
  let runner: ConsumerRunner | undefined;
  return {
    async start(handler: (batch: DirectoryBatch) => Promise<void>) {
      runner = client.consumer<DirectoryEventV1>({
        groupId: options.groupId,
        topics: [options.topic],
        schema: TOPIC_SCHEMAS[TOPICS.directory].schema,
        // Sync markers too: each copy's key must be its marker's.
        verifyKey: keyProblem,
        batchSize: options.batchSize ?? 500,
        partitionsConcurrently: 2,
        logger: options.logger,
        batchHandler: async (events, ctx) => {
          const traces = new Map<string, string>();
          events.forEach((e, i) => {
            const trace = ctx.messages[i]?.traceparent;
            if (trace) traces.set(e.eventId, trace);
          });
          // The batch is one unit: applying facts again is harmless, so a failure retries it whole.
          await handler({ partition: ctx.partition, events, traceOf: (id) => traces.get(id) });
          return events.map(() => outcome.done());
        },
      });
      await runner.start();
    },
    async stop() {
      await runner?.stop();
    },
    ready: () => runner?.isReady() ?? false,
    async consumedBefore(partition) {
      return (await client.committedPartitions(options.groupId, options.topic)).has(partition);
    },
  };
}

/**
 * `provisioning.commands.v1` and its live lane `provisioning.commands.live.v1`, keyed by the Entra
 * user id. One send: the commands of both lanes are acknowledged together.
 */
export function kafkaCommandSink(producer: EventProducer, topics: Readonly<Record<Lane, string>>): CommandSink {
  const type = TOPIC_SCHEMAS[TOPICS.commands].cloudEventType;
  return {
    async publish(commands: readonly ProvisioningCommandV1[], traceOf, laneOf) {
      await producer.send(
        commands.map((c) => {
          const traceparent = traceOf?.(c.changeId);
          return {
            topic: topics[laneOf?.(c) ?? 'bulk'],
            key: c.userId,
            value: c,
            type,
            id: c.commandId,
            time: c.issuedAt,
            subject: c.userId,
            ...(traceparent ? { traceparent } : {}),
          };
        }),
      );
    },
  };
}

/** `provisioning.results.v1`, for retrying what Salesforce refused. */
export function kafkaResultFeed(
  client: KafkaClient,
  options: { topic: string; groupId: string; logger: Logger },
): ResultFeed {
  let runner: ConsumerRunner | undefined;
  return {
    async start(handler) {
      runner = client.consumer<ProvisioningResultV1>({
        groupId: options.groupId,
        topics: [options.topic],
        schema: TOPIC_SCHEMAS[TOPICS.results].schema,
        batchSize: 500,
        logger: options.logger,
        batchHandler: async (results, ctx) => {
          await handler(results.map((result) => ({ partition: ctx.partition, result })));
          return results.map(() => outcome.done());
        },
      });
      await runner.start();
    },
    async stop() {
      await runner?.stop();
    },
    ready: () => runner?.isReady() ?? false,
  };
}
