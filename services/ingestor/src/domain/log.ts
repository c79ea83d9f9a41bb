/** The slice of a pino logger the domain uses. */
export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything (tests). */
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
