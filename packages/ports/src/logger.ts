/**
 * The one logger interface of Provision: the part of a pino logger that services, domains and
 * drivers use (a pino `Logger`, as `createLogger` of `@provision/telemetry` makes it, satisfies
 * it). Fields first and message second, or a message alone, as pino's calls are; `child` adds fields to every line.
 */
export interface Logger {
  child(bindings: Record<string, unknown>): Logger;
  debug(fields: object | string, message?: string): void;
  info(fields: object | string, message?: string): void;
  warn(fields: object | string, message?: string): void;
  error(fields: object | string, message?: string): void;
}

/** A logger that drops everything (the default where none is given, and tests). */
export const silentLogger: Logger = {
  child: () => silentLogger,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
