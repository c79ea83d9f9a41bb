import type { Span } from '@opentelemetry/api';
import { CompressionTypes, type Producer } from 'kafkajs';
import { type CloudEventAttributes, isTraceparent, messageHeaders } from './headers.ts';
import { orUnavailable } from './internal/errors.ts';
import { endFailed, startSendSpan, traceparentOf } from './internal/tracing.ts';

/** One event to publish. */
export interface OutgoingEvent<T = unknown> {
  topic: string;
  /** Partitioning key: the Entra object id of the user the event is about. */
  key: string;
  /**
   * The partition to write to, instead of the one the key hashes to (`partitionOf`): for a
   * message every partition must see, such as a sync marker. Order holds per partition, so
   * events about one user must keep to their key's partition.
   */
  partition?: number;
  /** Serialised as JSON. */
  value: T;
  /** CloudEvents `type`, e.g. `com.provision.provisioning.command.v1`. */
  type: string;
  /** CloudEvents `source`; defaults to the producer's. */
  source?: string;
  id?: string;
  time?: string;
  subject?: string;
  /**
   * W3C trace context the event follows from (the consumed message's `traceparent`); when absent
   * or malformed, the active span's. With tracing on, the message carries a `send` span that is a
   * child of it; off, this very value (or a new root when there is none).
   */
  traceparent?: string;
  /** Further headers (cannot override `ce_*`, `content-type` or `traceparent`). */
  headers?: Readonly<Record<string, string>>;
}

/** Where a batch of events landed: one entry per topic-partition written. */
export interface PartitionWrite {
  topic: string;
  partition: number;
  /** Offset of the first message written to that partition in this call. */
  baseOffset: string;
}

/** Publishes events; idempotent (acks=all, broker de-duplicates retried sends). */
export interface EventProducer {
  /** Publishes events in one request per broker, in order per partition. */
  send(events: readonly OutgoingEvent[]): Promise<PartitionWrite[]>;
  /**
   * Publishes messages exactly as given (bytes and headers), e.g. to a dead-letter topic; `gzip`
   * compresses the request (the broker measures a compressed batch as sent).
   */
  sendRaw(
    topic: string,
    messages: readonly {
      key: string | Buffer | null;
      value: string | Buffer | null;
      headers: Record<string, string>;
    }[],
    options?: { compression?: 'gzip' },
  ): Promise<PartitionWrite[]>;
  disconnect(): Promise<void>;
}

/**
 * Bytes of messages per produce request. kafkajs copies a request's records through four or five
 * growing Buffers as it encodes them (records, record batch, request, frame), all alive until the
 * next garbage collection: with 512 KiB requests a writer publishing results of several flushes at
 * once held 12-16 MB of them (RSS spikes in the 100,000-user memory benchmark); 128 KiB holds a
 * quarter of that, for a few more requests of a millisecond or two each.
 */
const MAX_REQUEST_BYTES = 128 * 1024;

type Message = { key: string; value: string; headers: Record<string, string>; partition?: number };

/**
 * Splits messages, in order, into requests of at most `limit` bytes (a larger single message goes
 * alone). Lazy: a message is taken from its topic's list only when its request is being built, so
 * a caller that serializes as it is asked holds one request's JSON at a time, not the whole call's.
 */
export function* chunksBySize(
  byTopic: Iterable<readonly [string, Iterable<Message>]>,
  limit: number,
): Generator<{ topic: string; messages: Message[] }[]> {
  let current: { topic: string; messages: Message[] }[] = [];
  let size = 0;
  for (const [topic, messages] of byTopic) {
    for (const m of messages) {
      const bytes =
        m.key.length +
        m.value.length +
        Object.entries(m.headers).reduce((n, [k, v]) => n + k.length + v.length, 0) +
        64;
      if (size > 0 && size + bytes > limit) {
        yield current;
        current = [];
        size = 0;
      }
      const last = current.at(-1);
      if (last?.topic === topic) last.messages.push(m);
      else current.push({ topic, messages: [m] });
      size += bytes;
    }
  }
  if (current.length > 0) yield current;
}

/**
 * One `send <topic>` span per topic and parent among the events (a sync round's thousand events
 * share one; a batch of commands that follow a hundred messages gets a hundred), and the
 * `traceparent` each message carries: its span's, or without tracing the event's own.
 */
function sendSpans(events: readonly OutgoingEvent[]): { all: Span[]; traceparents: (string | undefined)[] } {
  const groups = new Map<string, { topic: string; parent: string | undefined; keys: string[] }>();
  const groupOf = events.map((event) => {
    const parent = isTraceparent(event.traceparent) ? event.traceparent : undefined;
    const id = `${event.topic}\u0000${parent ?? ''}`;
    const group = groups.get(id) ?? { topic: event.topic, parent, keys: [] };
    group.keys.push(event.key);
    groups.set(id, group);
    return id;
  });
  const spanOf = new Map([...groups].map(([id, g]) => [id, startSendSpan(g.topic, g.parent, g.keys)]));
  return {
    all: [...spanOf.values()],
    traceparents: events.map((event, i) => traceparentOf(spanOf.get(groupOf[i]!)!) ?? event.traceparent),
  };
}

export function wrapProducer(producer: Producer, defaultSource: string): EventProducer {
  const deliveries = (records: { topicName: string; partition: number; baseOffset?: string }[]) =>
    records.map((r) => ({ topic: r.topicName, partition: r.partition, baseOffset: r.baseOffset ?? '-1' }));
  return {
    async send(events) {
      const spans = sendSpans(events);
      const byTopic = new Map<string, number[]>();
      for (const [i, event] of events.entries()) {
        const list = byTopic.get(event.topic) ?? [];
        list.push(i);
        byTopic.set(event.topic, list);
      }
      // Serialized as its request is built: a writer's flush of 2,000 results held ~3 MB of JSON
      // (and its copies) at once when every value was serialized before the first request.
      const message = (i: number): Message => {
        const event = events[i]!;
        const attributes: CloudEventAttributes = { type: event.type, source: event.source ?? defaultSource };
        if (event.id !== undefined) attributes.id = event.id;
        if (event.time !== undefined) attributes.time = event.time;
        if (event.subject !== undefined) attributes.subject = event.subject;
        return {
          key: event.key,
          value: JSON.stringify(event.value),
          headers: messageHeaders(attributes, spans.traceparents[i], event.headers),
          ...(event.partition !== undefined ? { partition: event.partition } : {}),
        };
      };
      const lazily = function* (indices: readonly number[]) {
        for (const i of indices) yield message(i);
      };
      // One request per ~128 KiB (see MAX_REQUEST_BYTES): kafkajs puts a partition's messages of one
      // request in one record batch, and the broker refuses a batch over its message.max.bytes (1 MiB by default).
      const out: PartitionWrite[] = [];
      try {
        const requests = chunksBySize(
          [...byTopic].map(([topic, indices]) => [topic, lazily(indices)] as const),
          MAX_REQUEST_BYTES,
        );
        for (const chunk of requests) {
          out.push(...deliveries(await orUnavailable('producing', () => producer.sendBatch({ topicMessages: chunk }))));
        }
      } catch (error) {
        for (const span of spans.all) endFailed(span, error);
        throw error;
      }
      for (const span of spans.all) span.end();
      return out;
    },
    async sendRaw(topic, messages, options = {}) {
      const compression = options.compression === 'gzip' ? { compression: CompressionTypes.GZIP } : {};
      const sent = await orUnavailable(`producing to ${topic}`, () =>
        producer.send({ topic, messages: messages.map((m) => ({ ...m })), ...compression }),
      );
      return deliveries(sent);
    },
    disconnect: () => producer.disconnect(),
  };
}
