export { isAddressInUse, onFreePort, onFreePorts } from './free-port.ts';
export { down, type InfraOptions, probeKafka, restartKafka, type ServerStatus, status, up } from './infra.ts';
export { InfraError } from './infra-error.ts';
export {
  type OAuthValidation,
  type ScramUser,
  type SecureKafka,
  type SecureKafkaOptions,
  startSecureKafka,
} from './kafka/secure-broker.ts';
export { postgresAnswers } from './postgres.ts';
export { redisAnswers } from './redis.ts';
export {
  type ConnectionSettings,
  DEFAULT_SETTINGS,
  type InfraPaths,
  infraPaths,
  KAFKA_VERSION,
  providedSettings,
} from './settings.ts';
