import { type ErrorCode, isProvisionError, ProvisionError } from '@provision/errors';

// Node's codes for a broker certificate that does not verify: a configuration problem, not an outage.
const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function* chain(error: unknown): Generator<Record<string, unknown>> {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    yield e as Record<string, unknown>;
    e = (e as { cause?: unknown }).cause;
  }
}

/**
 * What a kafkajs error means for us: refused credentials and ACL denials are not worth retrying and
 * must say so plainly; anything else is taken as the cluster being unreachable for now. kafkajs
 * wraps errors after its retries, so the cause chain, the protocol error type and the message are read.
 */
export function classifyKafkaError(error: unknown): { code: ErrorCode; hint: string } {
  for (const e of chain(error)) {
    const name = String(e['name'] ?? '');
    const type = String(e['type'] ?? '');
    const message = String(e['message'] ?? '');
    if (name === 'KafkaJSSASLAuthenticationError' || /SASL .* authentication failed/i.test(message)) {
      return { code: 'PRV_KAFKA_AUTH_FAILED', hint: 'the broker refused the SASL credentials' };
    }
    if (TLS_TRUST_CODES.has(String(e['code'] ?? ''))) {
      return {
        code: 'PRV_KAFKA_AUTH_FAILED',
        hint: "the broker's TLS certificate is not trusted (KAFKA_SSL_CA_FILE?)",
      };
    }
    if (type.endsWith('_AUTHORIZATION_FAILED') || /authorization failed|not authorized/i.test(message)) {
      return { code: 'PRV_KAFKA_NOT_AUTHORIZED', hint: 'a Kafka ACL denies this principal' };
    }
    // kafkajs drops the broker's answer here: a denied group looks like a coordinator not yet elected.
    if (name === 'KafkaJSGroupCoordinatorNotFound') {
      return {
        code: 'PRV_KAFKA_UNAVAILABLE',
        hint: 'no group coordinator answered (the cluster is starting, or an ACL denies this principal READ on the group)',
      };
    }
  }
  return { code: 'PRV_KAFKA_UNAVAILABLE', hint: '' };
}

/**
 * True when the broker refused a produce request as too large (over the topic's `max.message.bytes`
 * or a segment): sending the same bytes again can never work.
 */
export function isTooLargeError(error: unknown): boolean {
  for (const e of chain(error)) {
    if (e['type'] === 'MESSAGE_TOO_LARGE' || e['type'] === 'RECORD_LIST_TOO_LARGE') return true;
  }
  return false;
}

/** True for failures a restart cannot fix (credentials, ACLs, certificates). */
export function isAccessError(error: unknown): boolean {
  return classifyKafkaError(error).code !== 'PRV_KAFKA_UNAVAILABLE';
}

/**
 * Runs a call to the cluster; a failure that is not already ours becomes PRV_KAFKA_AUTH_FAILED,
 * PRV_KAFKA_NOT_AUTHORIZED or PRV_KAFKA_UNAVAILABLE.
 */
export async function orUnavailable<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw asKafkaError(what, error);
  }
}

/** A thrown value from kafkajs as our error, naming what was being done. */
export function asKafkaError(what: string, error: unknown): ProvisionError {
  if (isProvisionError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const { code, hint } = classifyKafkaError(error);
  return new ProvisionError(code, `${what}: ${hint ? `${hint}: ` : ''}${message}`, { cause: error });
}

/** A one-line description of any thrown value, for logs and dead-letter headers. */
export function describe(error: unknown): string {
  if (error instanceof Error) return isProvisionError(error) ? `${error.code}: ${error.message}` : error.message;
  return String(error);
}
