import { ProvisionError } from '@provision/errors';
import { classifySalesforceError } from './classify.ts';
import type { SalesforceError } from './types.ts';

/** A failed gateway call that is not per-record (a query, a login): carries the classified error. */
export class SalesforceGatewayError extends ProvisionError {
  readonly salesforce: SalesforceError;

  constructor(salesforce: SalesforceError, cause?: unknown) {
    super(
      salesforce.code === 'SalesforceAuthenticationFailed'
        ? 'PRV_SALESFORCE_AUTH_FAILED'
        : 'PRV_SALESFORCE_REQUEST_FAILED',
      `${salesforce.code}: ${salesforce.message}`,
      { cause, retriable: salesforce.retriable, details: { ...salesforce } },
    );
    this.name = 'SalesforceGatewayError';
    this.salesforce = salesforce;
  }

  /** Wraps anything thrown by jsforce (or passes a SalesforceGatewayError through). */
  static from(error: unknown): SalesforceGatewayError {
    return error instanceof SalesforceGatewayError
      ? error
      : new SalesforceGatewayError(classifySalesforceError(error), error);
  }
}
