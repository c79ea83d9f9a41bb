/** One error of a REST error body (`[{ message, errorCode, fields }]`). */
export interface RestError {
  readonly message: string;
  readonly errorCode: string;
  readonly fields?: readonly string[];
}

/** One error of a SaveResult: Salesforce names the code `statusCode` there. */
export interface SaveError {
  readonly statusCode: string;
  readonly message: string;
  readonly fields: readonly string[];
}

/** A per-record result of a create or update, as sObject Collections returns it. */
export interface SaveResult {
  readonly id?: string | null;
  readonly success: boolean;
  readonly errors: readonly SaveError[];
  readonly created?: boolean;
}

/** A request-level failure: the server answers `status` with the REST error array. */
export class RestRequestError extends Error {
  readonly status: number;
  readonly errors: readonly RestError[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, errorCode: string, message: string, fields?: readonly string[], headers = {}) {
    super(message);
    this.name = 'RestRequestError';
    this.status = status;
    this.errors = [{ message, errorCode, ...(fields ? { fields } : {}) }];
    this.headers = headers;
  }
}

export function saveError(statusCode: string, message: string, fields: readonly string[] = []): SaveError {
  return { statusCode, message, fields };
}

export const NOT_FOUND_MESSAGE = 'The requested resource does not exist';
