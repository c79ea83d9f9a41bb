export { type ConfigSpec, type Env, type LoadedConfig, loadConfig, redactConfig, secretNames } from './load-config.ts';
export { redisEnv, serviceEnv } from './service-env.ts';
export { bool, brokerList, logLevel, port, positiveInt, urlOf } from './types.ts';
