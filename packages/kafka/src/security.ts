import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ProvisionError } from '@provision/errors';
import type { Mechanism, SASLOptions } from 'kafkajs';
import { oauthBearerMechanism } from './internal/oauthbearer.ts';
import { clientCredentialsToken, type KafkaTokenProvider } from './oauth-token.ts';

/** TLS to the brokers (`SSL` or `SASL_SSL` listeners). */
export interface KafkaTlsOptions {
  /** PEM file of the certificate authorities to trust; the system's store when absent. */
  caFile?: string;
  /** PEM certificate and private key, for brokers that ask for a client certificate (mutual TLS). */
  certFile?: string;
  keyFile?: string;
  /** Verify the broker's certificate and name (default true). Turn off only to diagnose. */
  rejectUnauthorized?: boolean;
}

/** How the client authenticates (SASL). */
export type KafkaSaslOptions =
  | { mechanism: 'scram-sha-512'; username: string; password: string }
  | { mechanism: 'oauthbearer'; token: KafkaTokenProvider };

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ProvisionError('PRV_CONFIG_INVALID', `Kafka TLS: cannot read the ${what} file ${file}`, {
      cause: error,
    });
  }
}

/** The `tls.connect` options kafkajs takes, with the PEM files read once at start. */
export function kafkajsTls(options: KafkaTlsOptions | boolean | undefined): ConnectionOptions | undefined {
  if (options === undefined || options === false) return undefined;
  if (options === true) return { rejectUnauthorized: true };
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) {
    throw new ProvisionError('PRV_CONFIG_INVALID', 'Kafka TLS: a client certificate and its key go together');
  }
  return {
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    ...(options.caFile ? { ca: [readPem(options.caFile, 'CA')] } : {}),
    ...(options.certFile ? { cert: readPem(options.certFile, 'client certificate') } : {}),
    ...(options.keyFile ? { key: readPem(options.keyFile, 'client key') } : {}),
  };
}

/** kafkajs's SASL options for ours. */
export function kafkajsSasl(options: KafkaSaslOptions | undefined): SASLOptions | Mechanism | undefined {
  if (options === undefined) return undefined;
  if (options.mechanism === 'scram-sha-512') {
    return { mechanism: 'scram-sha-512', username: options.username, password: options.password };
  }
  return oauthBearerMechanism(options.token);
}

/** The shared `KAFKA_*` security variables, as `serviceEnv()` of `@provision/config` parses them. */
export interface KafkaSecurityConfig {
  readonly KAFKA_SSL: boolean;
  readonly KAFKA_SSL_CA_FILE?: string | undefined;
  readonly KAFKA_SSL_CERT_FILE?: string | undefined;
  readonly KAFKA_SSL_KEY_FILE?: string | undefined;
  readonly KAFKA_SSL_REJECT_UNAUTHORIZED: boolean;
  readonly KAFKA_SASL_MECHANISM?: 'scram-sha-512' | 'oauthbearer' | undefined;
  readonly KAFKA_SASL_USERNAME?: string | undefined;
  readonly KAFKA_SASL_PASSWORD?: string | undefined;
  readonly KAFKA_OAUTH_TOKEN_URL?: string | undefined;
  readonly KAFKA_OAUTH_CLIENT_ID?: string | undefined;
  readonly KAFKA_OAUTH_CLIENT_SECRET?: string | undefined;
  readonly KAFKA_OAUTH_SCOPE?: string | undefined;
}

/** `ssl` and `sasl` for `createKafkaClient`, from a service's validated configuration. */
export function kafkaSecurity(config: KafkaSecurityConfig): { ssl?: KafkaTlsOptions; sasl?: KafkaSaslOptions } {
  const ssl: KafkaTlsOptions | undefined = config.KAFKA_SSL
    ? {
        rejectUnauthorized: config.KAFKA_SSL_REJECT_UNAUTHORIZED,
        ...(config.KAFKA_SSL_CA_FILE ? { caFile: config.KAFKA_SSL_CA_FILE } : {}),
        ...(config.KAFKA_SSL_CERT_FILE ? { certFile: config.KAFKA_SSL_CERT_FILE } : {}),
        ...(config.KAFKA_SSL_KEY_FILE ? { keyFile: config.KAFKA_SSL_KEY_FILE } : {}),
      }
    : undefined;
  let sasl: KafkaSaslOptions | undefined;
  if (config.KAFKA_SASL_MECHANISM === 'scram-sha-512') {
    sasl = {
      mechanism: 'scram-sha-512',
      username: config.KAFKA_SASL_USERNAME ?? '',
      password: config.KAFKA_SASL_PASSWORD ?? '',
    };
  } else if (config.KAFKA_SASL_MECHANISM === 'oauthbearer') {
    sasl = {
      mechanism: 'oauthbearer',
      token: clientCredentialsToken({
        tokenUrl: config.KAFKA_OAUTH_TOKEN_URL ?? '',
        clientId: config.KAFKA_OAUTH_CLIENT_ID ?? '',
        clientSecret: config.KAFKA_OAUTH_CLIENT_SECRET ?? '',
        ...(config.KAFKA_OAUTH_SCOPE ? { scope: config.KAFKA_OAUTH_SCOPE } : {}),
      }),
    };
  }
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}

/**
 * The same as kafkajs `ssl` and `sasl` settings, for the one place that runs a kafkajs client of
 * its own (the audit's raw dead-letter reader).
 */
export function kafkajsSecurity(options: { ssl?: KafkaTlsOptions | boolean; sasl?: KafkaSaslOptions }): {
  ssl?: ConnectionOptions;
  sasl?: SASLOptions | Mechanism;
} {
  const ssl = kafkajsTls(options.ssl);
  const sasl = kafkajsSasl(options.sasl);
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}
