export { ERROR_CATALOGUE, type ErrorCode } from './catalogue.ts';
export { isProvisionError, isRetriable, ProvisionError, type ProvisionErrorOptions } from './provision-error.ts';
