import { z } from 'zod';
import { bool, brokerList, logLevel, port, positiveInt, urlOf } from './types.ts';

const SASL_MECHANISMS = ['scram-sha-512', 'oauthbearer'] as const;

/**
 * How a service reaches a secured Kafka: TLS (`KAFKA_SSL`, a CA file, optionally a client
 * certificate) and SASL (SCRAM-SHA-512 with a username and password, or OAUTHBEARER with tokens
 * from an OAuth client-credentials grant). Which variables go together is checked by
 * `kafkaSecurityProblems`, run by `loadConfig` for every schema that has these variables.
 */
function kafkaSecurityEnv() {
  return {
    KAFKA_SSL: bool().default(false),
    KAFKA_SSL_CA_FILE: z.string().optional(),
    KAFKA_SSL_CERT_FILE: z.string().optional(),
    KAFKA_SSL_KEY_FILE: z.string().optional(),
    /** Verify the broker's certificate and host name; `false` only to diagnose. */
    KAFKA_SSL_REJECT_UNAUTHORIZED: bool().default(true),
    KAFKA_SASL_MECHANISM: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(SASL_MECHANISMS, { error: () => `expected one of ${SASL_MECHANISMS.join(', ')}` }))
      .optional(),
    KAFKA_SASL_USERNAME: z.string().optional(),
    KAFKA_SASL_PASSWORD: z.string().optional(),
    KAFKA_OAUTH_TOKEN_URL: httpsUrl().optional(),
    KAFKA_OAUTH_CLIENT_ID: z.string().optional(),
    KAFKA_OAUTH_CLIENT_SECRET: z.string().optional(),
    KAFKA_OAUTH_SCOPE: z.string().optional(),
  };
}

/** An https URL; http only to a loopback address (a token endpoint on the same host, in tests). */
const httpsUrl = () =>
  z.string().refine(
    (s) => {
      try {
        const url = new URL(s);
        return (
          url.protocol === 'https:' ||
          (url.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname))
        );
      } catch {
        return false;
      }
    },
    { message: 'expected an https URL (http only on a loopback address)' },
  );

/**
 * The variables every service reads, declared once: the Kafka cluster, how to reach it securely
 * and its topics (their partition count and the prefix that isolates a deployment), the ops/API
 * port and the log level.
 */
export function serviceEnv(defaults: { httpPort?: number } = {}) {
  return {
    KAFKA_BROKERS: brokerList(),
    ...kafkaSecurityEnv(),
    KAFKA_PARTITIONS: positiveInt().default(6),
    TOPIC_PREFIX: z.string().default(''),
    HTTP_PORT: port().default(defaults.httpPort ?? 8080),
    LOG_LEVEL: logLevel().default('info'),
  };
}

/**
 * Redis, where a service keeps what can be rebuilt; the prefix isolates a deployment. `rediss://`
 * is TLS; an ACL user and password go in the URL (`rediss://user:password@host:6380`), which is
 * why `REDIS_URL` is a secret.
 */
export function redisEnv() {
  return {
    REDIS_URL: urlOf('redis:', 'rediss:'),
    REDIS_TLS_CA_FILE: z.string().optional(),
    REDIS_PREFIX: z.string().default('provision:'),
  };
}

/**
 * Secrets of the shared variables, redacted wherever a schema has them (services declare only
 * their own). A URL may carry a password.
 */
export const SHARED_SECRETS = ['KAFKA_SASL_PASSWORD', 'KAFKA_OAUTH_CLIENT_SECRET', 'REDIS_URL'] as const;

type Input = Readonly<Record<string, unknown>>;

/**
 * Which shared variables are missing for the ones that are set (SASL without a mechanism, a
 * password without a username, OAUTHBEARER without its token endpoint …), as `variable: message`.
 * Read from the raw values, so these are reported with every other problem in one message.
 */
export function sharedVariableProblems(input: Input): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  const has = (name: string) => typeof input[name] === 'string' && input[name] !== '';
  const need = (name: string, why: string) => {
    if (!has(name)) problems.push({ variable: name, message: `is required ${why}` });
  };
  const mechanism = String(input['KAFKA_SASL_MECHANISM'] ?? '').toLowerCase();
  if (mechanism === '') {
    for (const name of [
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_OAUTH_TOKEN_URL',
      'KAFKA_OAUTH_CLIENT_ID',
      'KAFKA_OAUTH_CLIENT_SECRET',
    ]) {
      if (has(name)) problems.push({ variable: 'KAFKA_SASL_MECHANISM', message: `is required when ${name} is set` });
    }
  } else if (mechanism === 'scram-sha-512') {
    need('KAFKA_SASL_USERNAME', 'when KAFKA_SASL_MECHANISM=scram-sha-512');
    need('KAFKA_SASL_PASSWORD', 'when KAFKA_SASL_MECHANISM=scram-sha-512');
  } else if (mechanism === 'oauthbearer') {
    need('KAFKA_OAUTH_TOKEN_URL', 'when KAFKA_SASL_MECHANISM=oauthbearer');
    need('KAFKA_OAUTH_CLIENT_ID', 'when KAFKA_SASL_MECHANISM=oauthbearer');
    need('KAFKA_OAUTH_CLIENT_SECRET', 'when KAFKA_SASL_MECHANISM=oauthbearer');
  }
  if (has('KAFKA_SASL_PASSWORD') && !has('KAFKA_SASL_USERNAME') && mechanism !== 'scram-sha-512') {
    problems.push({ variable: 'KAFKA_SASL_USERNAME', message: 'is required when KAFKA_SASL_PASSWORD is set' });
  }
  const ssl = /^(true|1|yes)$/i.test(String(input['KAFKA_SSL'] ?? ''));
  for (const name of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE']) {
    if (has(name) && !ssl) problems.push({ variable: 'KAFKA_SSL', message: `must be true when ${name} is set` });
  }
  if (has('KAFKA_SSL_CERT_FILE') !== has('KAFKA_SSL_KEY_FILE')) {
    const missing = has('KAFKA_SSL_CERT_FILE') ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE';
    problems.push({ variable: missing, message: 'is required: a client certificate and its key go together' });
  }
  if (mechanism === 'oauthbearer' && !ssl) {
    // A bearer token sent in clear can be replayed by whoever sees it (SCRAM never sends the password).
    problems.push({ variable: 'KAFKA_SSL', message: 'must be true when KAFKA_SASL_MECHANISM=oauthbearer' });
  }
  if (has('REDIS_TLS_CA_FILE') && !String(input['REDIS_URL'] ?? '').startsWith('rediss:')) {
    problems.push({ variable: 'REDIS_URL', message: 'must be a rediss:// URL when REDIS_TLS_CA_FILE is set' });
  }
  return problems.filter(
    (p, i) => problems.findIndex((q) => q.variable === p.variable && q.message === p.message) === i,
  );
}
