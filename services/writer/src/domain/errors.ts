import type { SalesforceFailure } from './ports.ts';

/**
 * Salesforce codes that say the job, not a record, is refused: bad credentials, the org's API
 * allocation spent, API access off. Retrying record by record cannot help; these count towards
 * quarantine (Entra: `EncounteredQuarantineException`).
 */
const JOB_LEVEL_CODES = new Set([
  'INVALID_LOGIN',
  'INVALID_GRANT',
  'invalid_grant',
  'invalid_client',
  'invalid_client_id',
  'LOGIN_MUST_USE_SECURITY_TOKEN',
  'PASSWORD_EXPIRED',
  'INVALID_OPERATION_WITH_EXPIRED_PASSWORD',
  'REQUEST_LIMIT_EXCEEDED',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'FUNCTIONALITY_NOT_ENABLED',
  'ORG_LOCKED',
  'PRV_SALESFORCE_AUTH_FAILED',
  'SalesforceAuthenticationFailed',
  'SalesforceRequestLimitExceeded',
  'SalesforceApiDisabled',
]);

/** Whether a request-level failure is about the whole job (credentials, limits, API access). */
export function isJobLevel(failure: Pick<SalesforceFailure, 'code' | 'salesforceCode'>): boolean {
  // REQUEST_LIMIT_EXCEEDED also names the concurrent long-running limit, which passes as soon as
  // fewer requests run at once: a request to retry, not a job to halt.
  if (failure.code === 'SalesforceConcurrentLimitExceeded') return false;
  return (
    JOB_LEVEL_CODES.has(failure.code) ||
    (failure.salesforceCode !== undefined && JOB_LEVEL_CODES.has(failure.salesforceCode))
  );
}

/**
 * A Salesforce request that failed as a whole (HTTP error, network, login). Thrown by a
 * `SalesforceDirectory`; the writer retries it when `retriable`, and counts it towards quarantine
 * when `jobLevel`.
 */
export class SalesforceCallError extends Error {
  readonly failure: SalesforceFailure;
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly jobLevel: boolean;

  constructor(
    failure: SalesforceFailure,
    options: {
      status?: number | undefined;
      headers?: Record<string, string | undefined>;
      jobLevel?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(failure.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SalesforceCallError';
    this.failure = failure;
    this.status = options.status;
    this.headers = options.headers ?? {};
    this.jobLevel = options.jobLevel ?? isJobLevel(failure);
  }
}

/** Anything thrown by a directory call, as a `SalesforceCallError` (unknown errors are network-like, retriable). */
export function asCallError(error: unknown): SalesforceCallError {
  if (error instanceof SalesforceCallError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SalesforceCallError(
    { code: 'SalesforceRequestFailed', message, fields: [], retriable: true },
    { cause: error, jobLevel: false },
  );
}
