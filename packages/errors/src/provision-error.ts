import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.ts';

const BRAND = Symbol.for('provision.error');

export interface ProvisionErrorOptions {
  /** The underlying error, kept for logs and `error.cause` chains. */
  cause?: unknown;
  /** Overrides the catalogue's default (e.g. a Graph 400 is not retriable while a 503 is). */
  retriable?: boolean;
  /** Structured facts for logs and HTTP answers (field names, positions, ids). */
  details?: Record<string, unknown>;
}

/** The one error type Provision throws: a stable code, a retriable flag, a cause. */
export class ProvisionError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: ProvisionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProvisionError';
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CATALOGUE[code].retriable;
    this.details = Object.freeze({ ...options.details });
    Object.defineProperty(this, BRAND, { value: true });
  }

  toJSON(): { code: ErrorCode; message: string; retriable: boolean; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, retriable: this.retriable, details: this.details };
  }
}

/** True for a ProvisionError from any copy of this package (branded with `Symbol.for`, as undici does). */
export function isProvisionError(value: unknown): value is ProvisionError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Whether retrying could help: a ProvisionError says so; anything else unknown is assumed transient. */
export function isRetriable(error: unknown): boolean {
  return isProvisionError(error) ? error.retriable : true;
}
