import { isProvisionError, ProvisionError } from '@provision/errors';

/** Runs a call to the cluster; a failure that is not already ours becomes PRV_KAFKA_UNAVAILABLE. */
export async function orUnavailable<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isProvisionError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ProvisionError('PRV_KAFKA_UNAVAILABLE', `${what}: ${message}`, { cause: error });
  }
}

/** A one-line description of any thrown value, for logs and dead-letter headers. */
export function describe(error: unknown): string {
  if (error instanceof Error) return isProvisionError(error) ? `${error.code}: ${error.message}` : error.message;
  return String(error);
}
