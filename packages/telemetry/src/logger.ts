import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerSettings {
  /** The service name, on every line. */
  service: string;
  level?: string;
  /** Field names whose values never reach a log (config secrets, tokens); matched at any depth up to 3. */
  redact?: readonly string[];
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  destination?: NodeJS.WritableStream;
}

const ALWAYS_REDACTED = [
  'password',
  'securityToken',
  'clientSecret',
  'accessToken',
  'access_token',
  'authorization',
  'clientState',
  'privateKey',
];

/**
 * The root logger of a service: JSON lines with `service`, ISO time, and secrets redacted. Child
 * loggers add `topic`, `partition`, `userId`, `changeId` where the work is.
 */
export function createLogger(settings: LoggerSettings): Logger {
  const keys = [...new Set([...ALWAYS_REDACTED, ...(settings.redact ?? [])])];
  const paths = keys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]);
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
