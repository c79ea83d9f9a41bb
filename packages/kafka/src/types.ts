// The one logger interface (a pino logger satisfies it), shared with the services.
export { type Logger, silentLogger } from '@provision/ports';

import type { Logger } from '@provision/ports';

/**
 * What a topic schema must offer: zod's `safeParse` shape. The driver never imports zod or the
 * schemas of `@provision/events` (only its topic-naming rule); services pass the topic's schema in.
 */
export interface EventSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: unknown };
}

/** Message headers as strings (Kafka header bytes decoded as UTF-8). */
export type Headers = Readonly<Record<string, string>>;

/** Where a message came from and what travelled with it. */
export interface MessageMeta {
  topic: string;
  partition: number;
  /** The message's offset (Kafka offsets are 64-bit: kept as a decimal string). */
  offset: string;
  key: string;
  /** Producer timestamp, milliseconds since the epoch. */
  timestamp: number;
  /** All headers, including `ce_*`, `content-type` and `traceparent`. */
  headers: Headers;
  /**
   * W3C trace context to continue from: pass it as the `traceparent` of what the message leads to.
   * With tracing on, that of this consumer's `process` span for the message (a child of the
   * producer's span); off, the `traceparent` header as it arrived. `headers.traceparent` is always
   * the header.
   */
  traceparent: string | undefined;
}

/**
 * A message's key and value bytes as they were written, neither decoded nor validated: what a raw
 * consumer's handler gets (a dead letter is often not JSON, or has no key). Headers, topic,
 * partition and offset are in the handler's context.
 */
export interface RawMessage {
  key: Buffer | null;
  value: Buffer | null;
}

/** What a handler is told besides the event. */
export interface HandlerContext extends MessageMeta {
  /** 1 on first delivery to this handler, 2 on the first retry, … (per process: a redelivery after a restart starts at 1). */
  attempt: number;
  /** Child logger bound to topic, partition, offset and key. */
  logger: Logger;
  /** Aborted when the consumer is asked to stop: finish quickly, start nothing long. */
  signal: AbortSignal;
}

/** What a batch handler is told besides the events: one `MessageMeta` per event, same order. */
export interface BatchContext {
  topic: string;
  partition: number;
  messages: readonly MessageMeta[];
  attempt: number;
  logger: Logger;
  signal: AbortSignal;
}
