import { isProvisionError } from '@provision/errors';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bool, brokerList, loadConfig, port, redactConfig, redisEnv, secretNames, serviceEnv, urlOf } from './index.ts';

const spec = {
  schema: z.object({
    KAFKA_BROKERS: brokerList(),
    REDIS_URL: urlOf('redis:', 'rediss:'),
    SALESFORCE_USERNAME: z.string(),
    SALESFORCE_PASSWORD: z.string(),
    HTTP_PORT: port().default(8080),
    DRY_RUN: bool().default(false),
  }),
  secrets: ['SALESFORCE_PASSWORD'] as const,
};
const good = {
  KAFKA_BROKERS: '127.0.0.1:9092, kafka-2:9092',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SALESFORCE_USERNAME: 'admin@acme.com',
  SALESFORCE_PASSWORD: 'hunter2',
};

describe('loadConfig', () => {
  it('parses, applies defaults and freezes', () => {
    const config = loadConfig(spec, good);
    expect(config).toMatchObject({
      KAFKA_BROKERS: ['127.0.0.1:9092', 'kafka-2:9092'],
      HTTP_PORT: 8080,
      DRY_RUN: false,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.KAFKA_BROKERS)).toBe(true);
  });

  it('reports a missing variable and a malformed broker list together, in one message', () => {
    const { SALESFORCE_USERNAME: _u, ...rest } = good;
    let error: unknown;
    try {
      loadConfig(spec, { ...rest, KAFKA_BROKERS: 'localhost', HTTP_PORT: 'eighty' });
    } catch (e) {
      error = e;
    }
    expect(isProvisionError(error) && error.code).toBe('PRV_CONFIG_INVALID');
    const message = (error as Error).message;
    expect(message).toMatch(/3 problems/);
    expect(message).toMatch(/KAFKA_BROKERS: expected a comma-separated list of host:port \(got "localhost"\)/);
    expect(message).toMatch(/SALESFORCE_USERNAME: is required \(not set\)/);
    expect(message).toMatch(/HTTP_PORT: .*\(got "eighty"\)/);
  });

  it('never shows a secret value, even when it is the invalid one', () => {
    const strict = { schema: z.object({ TOKEN: z.string().min(40) }), secrets: ['TOKEN'] as const };
    expect(() => loadConfig(strict, { TOKEN: 'short-secret' })).toThrow(/TOKEN: .*\(got \[redacted\]\)/);
    expect(() => loadConfig(strict, { TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('treats empty strings as unset', () => {
    expect(() => loadConfig(spec, { ...good, SALESFORCE_USERNAME: '' })).toThrow(/SALESFORCE_USERNAME: is required/);
  });

  it('redacts declared secrets for logging', () => {
    expect(redactConfig(loadConfig(spec, good))).toMatchObject({
      SALESFORCE_PASSWORD: '[redacted]',
      SALESFORCE_USERNAME: 'admin@acme.com',
    });
  });
});

describe('shared Kafka and Redis security variables', () => {
  const service = {
    schema: z.object({ ...serviceEnv(), ...redisEnv() }),
  };
  const base = { KAFKA_BROKERS: 'kafka:9093', REDIS_URL: 'rediss://provision:pw@redis:6380' };
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig(service, env);
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('takes SCRAM over TLS with a CA file, and OAUTHBEARER with a client-credentials endpoint', () => {
    const scram = loadConfig(service, {
      ...base,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'provision-writer',
      KAFKA_SASL_PASSWORD: 'pw',
    });
    expect(scram).toMatchObject({ KAFKA_SSL: true, KAFKA_SASL_MECHANISM: 'scram-sha-512' });
    const oauth = loadConfig(service, {
      ...base,
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'oauthbearer',
      KAFKA_OAUTH_TOKEN_URL: 'https://idp.example/token',
      KAFKA_OAUTH_CLIENT_ID: 'writer',
      KAFKA_OAUTH_CLIENT_SECRET: 's',
    });
    expect(oauth.KAFKA_SASL_MECHANISM).toBe('oauthbearer');
  });

  it('names every variable missing for the ones set, with the other problems, in one message', () => {
    const message = problemsOf({
      ...base,
      KAFKA_BROKERS: 'not a list',
      KAFKA_SASL_PASSWORD: 'pw',
      KAFKA_SSL_CA_FILE: '/ca.pem',
      KAFKA_SSL_CERT_FILE: '/cert.pem',
    });
    expect(message).toMatch(/^Invalid configuration, 6 problems:/);
    for (const line of [
      'KAFKA_BROKERS: expected a comma-separated list of host:port',
      'KAFKA_SASL_MECHANISM: is required when KAFKA_SASL_PASSWORD is set',
      'KAFKA_SASL_USERNAME: is required when KAFKA_SASL_PASSWORD is set',
      'KAFKA_SSL: must be true when KAFKA_SSL_CA_FILE is set',
      'KAFKA_SSL: must be true when KAFKA_SSL_CERT_FILE is set',
      'KAFKA_SSL_KEY_FILE: is required: a client certificate and its key go together',
    ]) {
      expect(message).toContain(line);
    }
  });

  it('asks for the credentials of the chosen mechanism, and TLS for bearer tokens', () => {
    const scram = problemsOf({ ...base, KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512' });
    expect(scram).toContain('KAFKA_SASL_USERNAME: is required when KAFKA_SASL_MECHANISM=scram-sha-512');
    expect(scram).toContain('KAFKA_SASL_PASSWORD: is required when KAFKA_SASL_MECHANISM=scram-sha-512');
    const oauth = problemsOf({ ...base, KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_OAUTH_TOKEN_URL: 'http://idp/t' });
    expect(oauth).toContain('KAFKA_OAUTH_TOKEN_URL: expected an https URL (http only on a loopback address)');
    expect(oauth).toContain('KAFKA_OAUTH_CLIENT_ID: is required when KAFKA_SASL_MECHANISM=oauthbearer');
    expect(oauth).toContain('KAFKA_SSL: must be true when KAFKA_SASL_MECHANISM=oauthbearer');
    expect(problemsOf({ ...base, KAFKA_SASL_MECHANISM: 'plain' })).toContain(
      'KAFKA_SASL_MECHANISM: expected one of scram-sha-512, oauthbearer',
    );
    expect(problemsOf({ ...base, REDIS_URL: 'redis://r:6379', REDIS_TLS_CA_FILE: '/ca.pem' })).toContain(
      'REDIS_URL: must be a rediss:// URL when REDIS_TLS_CA_FILE is set',
    );
  });

  it('never shows REDIS_URL or the Kafka secrets, and no URL password even in an undeclared variable', () => {
    const message = problemsOf({
      ...base,
      REDIS_URL: 'rediss://provision:hunter2@redis:6380 oops',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'pw',
      KAFKA_PARTITIONS: 'http://u:hunter2@x/',
    });
    expect(message).toContain('REDIS_URL: expected a URL (redis: or rediss:) (got [redacted])');
    expect(message).toContain('KAFKA_PARTITIONS');
    expect(message).not.toContain('hunter2');
    const config = loadConfig(service, {
      ...base,
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'pw',
    });
    expect(secretNames(config)).toEqual(['KAFKA_SASL_PASSWORD', 'KAFKA_OAUTH_CLIENT_SECRET', 'REDIS_URL']);
    expect(redactConfig(config)).toMatchObject({ KAFKA_SASL_PASSWORD: '[redacted]', REDIS_URL: '[redacted]' });
  });
});
