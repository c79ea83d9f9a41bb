export { type Clock, systemClock } from './clock.ts';
export { type Logger, silentLogger } from './logger.ts';
