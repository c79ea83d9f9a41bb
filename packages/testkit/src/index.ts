export { type ContainerRuntime, detectContainerRuntime } from './container-runtime.ts';
export { type Infrastructure, type InfrastructureSource, infrastructure } from './infrastructure.ts';
export { createKafkaFixture, type KafkaFixture, type RawMessage, type ReceivedMessage } from './kafka.ts';
export { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.ts';
export { createPostgresFixture, type PostgresFixture } from './postgres.ts';
export { createRedisFixture, type RedisFixture } from './redis.ts';
export {
  createRestrictedRedisUser,
  type RestrictedRedisUser,
  SERVICE_REDIS_ACL,
  startTlsRedis,
  type TlsRedis,
} from './redis-security.ts';
export { uniqueSuffix } from './unique.ts';
export { type WaitForOptions, waitFor } from './wait-for.ts';
