import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ProvisionError } from '@provision/errors';
import type { Mechanism, SASLOptions } from 'kafkajs';
import { oauthBearerMechanism } from './internal/oauthbearer.ts';

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

/** Returns a bearer token for OAUTHBEARER; called for every new connection, so it should cache. */
export type KafkaTokenProvider = () => Promise<string>;

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
