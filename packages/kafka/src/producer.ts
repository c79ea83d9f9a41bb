import type { Producer } from 'kafkajs';
import { type CloudEventAttributes, messageHeaders } from './headers.ts';
import { orUnavailable } from './internal/errors.ts';

/** One event to publish. */
export interface OutgoingEvent<T = unknown> {
  topic: string;
  /** Partitioning key: the Entra object id of the user the event is about. */
  key: string;
  /** Serialised as JSON. */
  value: T;
  /** CloudEvents `type`, e.g. `com.provision.provisioning.command.v1`. */
  type: string;
  /** CloudEvents `source`; defaults to the producer's. */
  source?: string;
  id?: string;
  time?: string;
  subject?: string;
  /** W3C trace context to carry on; a new root is generated when absent or malformed. */
  traceparent?: string;
  /** Further headers (cannot override `ce_*`, `content-type` or `traceparent`). */
  headers?: Readonly<Record<string, string>>;
}

/** Where a batch of events landed: one entry per topic-partition written. */
export interface Delivery {
  topic: string;
  partition: number;
  /** Offset of the first message written to that partition in this call. */
  baseOffset: string;
}

/** Publishes events; idempotent (acks=all, broker de-duplicates retried sends). */
export interface EventProducer {
  /** Publishes events in one request per broker, in order per partition. */
  send(events: readonly OutgoingEvent[]): Promise<Delivery[]>;
  /** Publishes messages exactly as given (bytes and headers), e.g. to a dead-letter topic. */
  sendRaw(
    topic: string,
    messages: readonly {
      key: string | Buffer | null;
      value: string | Buffer | null;
      headers: Record<string, string>;
    }[],
  ): Promise<Delivery[]>;
  disconnect(): Promise<void>;
}

export function wrapProducer(producer: Producer, defaultSource: string): EventProducer {
  const deliveries = (records: { topicName: string; partition: number; baseOffset?: string }[]) =>
    records.map((r) => ({ topic: r.topicName, partition: r.partition, baseOffset: r.baseOffset ?? '-1' }));
  return {
    async send(events) {
      const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
      for (const event of events) {
        const attributes: CloudEventAttributes = { type: event.type, source: event.source ?? defaultSource };
        if (event.id !== undefined) attributes.id = event.id;
        if (event.time !== undefined) attributes.time = event.time;
        if (event.subject !== undefined) attributes.subject = event.subject;
        const message = {
          key: event.key,
          value: JSON.stringify(event.value),
          headers: messageHeaders(attributes, event.traceparent, event.headers),
        };
        const list = byTopic.get(event.topic) ?? [];
        list.push(message);
        byTopic.set(event.topic, list);
      }
      const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      if (topicMessages.length === 0) return [];
      return deliveries(await orUnavailable('producing', () => producer.sendBatch({ topicMessages })));
    },
    async sendRaw(topic, messages) {
      const sent = await orUnavailable(`producing to ${topic}`, () =>
        producer.send({ topic, messages: messages.map((m) => ({ ...m })) }),
      );
      return deliveries(sent);
    },
    disconnect: () => producer.disconnect(),
  };
}
