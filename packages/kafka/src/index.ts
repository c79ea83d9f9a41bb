export { deadLetterTopic, isDeadLetterTopic } from '@provision/events/topic-names';
export {
  createKafkaClient,
  type EnsureTopicsResult,
  type GroupTopicLag,
  type KafkaClient,
  type KafkaClientOptions,
  parseBrokers,
} from './client.ts';
export { DEFAULT_MAX_MESSAGE_BYTES, type KeyCheck, userIdKeyCheck } from './consumer/decode.ts';
export type { PartitionFence, ReadAheadOptions, ReadAheadView } from './consumer/read-ahead.ts';
export type {
  Assignment,
  BatchConsumerOptions,
  ConsumerLag,
  ConsumerOptions,
  ConsumerRunner,
  ConsumerState,
  RawConsumerOptions,
  SingleConsumerOptions,
} from './consumer/runner.ts';
export { type CloudEventAttributes, decodeHeaders, isTraceparent, messageHeaders, newTraceparent } from './headers.ts';
export {
  type ClientCredentialsOptions,
  clientCredentialsToken,
  type KafkaTokenProvider,
  staticToken,
} from './oauth-token.ts';
export { type Outcome, outcome } from './outcome.ts';
export { murmur2, partitionOf } from './partitioner.ts';
export type { EventProducer, OutgoingEvent, PartitionWrite } from './producer.ts';
export {
  type KafkaSaslOptions,
  type KafkaSecurityConfig,
  type KafkaTlsOptions,
  kafkajsSecurity,
  kafkaSecurity,
} from './security.ts';
export { type StopOnSignalsOptions, stopOnSignals } from './shutdown.ts';
export type { TopicSpec } from './topics.ts';
export {
  type BatchContext,
  type EventSchema,
  type HandlerContext,
  type Headers,
  type Logger,
  type MessageMeta,
  type RawMessage,
  silentLogger,
} from './types.ts';
