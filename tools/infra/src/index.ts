export { down, type InfraOptions, probeKafka, type ServerStatus, status, up } from './infra.ts';
export { InfraError } from './infra-error.ts';
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
