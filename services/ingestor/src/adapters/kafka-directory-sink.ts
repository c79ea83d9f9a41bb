import { ProvisionError } from '@provision/errors';
import { DirectoryEventV1, type SyncMarker, TOPIC_SCHEMAS, TOPICS } from '@provision/events';
import type { EventProducer, OutgoingEvent } from '@provision/kafka';
import type { DirectoryEventSink } from '../domain/ports.ts';
import { markerKeys } from './kafka-partition-keys.ts';

const CLOUD_EVENT_TYPE = TOPIC_SCHEMAS[TOPICS.directory].cloudEventType;

export interface KafkaDirectorySinkOptions {
  readonly producer: EventProducer;
  /** `entra.directory.v1`, with `TOPIC_PREFIX`. */
  readonly topic: string;
  /** The topic's partition count (asked from the broker at start). */
  readonly partitions: number;
}

/**
 * Publishes directory events keyed by user id, each checked against the topic schema first (the
 * topic is a public API). Markers go to every partition: each copy is sent to its partition
 * explicitly, keyed by a key that hashes there too (`markerKeys`, the documented marker key), and
 * the deliveries are checked to have covered them all.
 */
export class KafkaDirectorySink implements DirectoryEventSink {
  readonly #options: KafkaDirectorySinkOptions;

  constructor(options: KafkaDirectorySinkOptions) {
    this.#options = options;
  }

  async publish(events: readonly DirectoryEventV1[]): Promise<void> {
    const outgoing = events.map((event) => {
      const checked = validate(event);
      if (!('userId' in checked)) throw new ProvisionError('PRV_EVENT_INVALID', 'markers go through publishMarker');
      return this.#outgoing(checked.userId, checked, checked.eventId, checked.observedAt, checked.userId);
    });
    if (outgoing.length > 0) await this.#options.producer.send(outgoing);
  }

  async publishMarker(marker: SyncMarker): Promise<void> {
    const keys = markerKeys(marker.syncId, this.#options.partitions);
    const outgoing = keys.map((key, partition) => {
      const copy = validate({ ...marker, eventId: `${marker.eventId}.${partition}` });
      return { ...this.#outgoing(key, copy, copy.eventId, marker.at), partition };
    });
    const deliveries = await this.#options.producer.send(outgoing);
    const covered = new Set(deliveries.map((d) => d.partition));
    if (covered.size !== this.#options.partitions) {
      throw new ProvisionError(
        'PRV_KAFKA_UNAVAILABLE',
        `sync marker reached partitions [${[...covered].sort().join(',')}] of ${this.#options.partitions}; has the topic another partition count?`,
      );
    }
  }

  #outgoing(key: string, value: DirectoryEventV1, id: string, time: string, subject?: string): OutgoingEvent {
    return {
      topic: this.#options.topic,
      key,
      value,
      type: `${CLOUD_EVENT_TYPE}.${value.type}`,
      id,
      time,
      ...(subject ? { subject } : {}),
    };
  }
}

function validate(event: unknown): DirectoryEventV1 {
  const result = DirectoryEventV1.safeParse(event);
  if (!result.success) {
    throw new ProvisionError(
      'PRV_EVENT_INVALID',
      `a directory event does not match entra.directory.v1: ${result.error.message}`,
      {
        details: { type: (event as { type?: unknown }).type },
      },
    );
  }
  return result.data;
}
