export { type ConfigSpec, type Env, type LoadedConfig, loadConfig, redactConfig, secretNames } from './load-config.ts';
export { redisOptions } from './redis-options.ts';
export { redisEnv, SHARED_SECRETS, serviceEnv, sharedVariableProblems } from './service-env.ts';
export { bool, brokerList, logLevel, port, positiveInt, urlOf } from './types.ts';
