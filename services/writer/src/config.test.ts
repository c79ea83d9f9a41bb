import { redactConfig } from '@provision/config';
import { describe, expect, it } from 'vitest';
import { authOf, readConfig } from './config.ts';

const env = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SALESFORCE_LOGIN_URL: 'https://login.salesforce.com',
  SALESFORCE_USERNAME: 'integration@acme.com',
  SALESFORCE_PASSWORD: 'hunter2',
  SALESFORCE_SECURITY_TOKEN: 'tok',
};

describe('readConfig', () => {
  it('applies the defaults: password auth, API 62.0, batches of 2000 lingering 50 ms (at most 2 s), no dry run', () => {
    expect(readConfig(env)).toMatchObject({
      SALESFORCE_AUTH: 'password',
      SALESFORCE_API_VERSION: '62.0',
      WRITER_MAX_BATCH: 2000,
      WRITER_LINGER_MS: 50,
      WRITER_MAX_LINGER_MS: 2000,
      WRITER_FLUSHES_AT_ONCE: 4,
      WRITER_DEFER_LOCKED: 3,
      WRITER_DRY_RUN: false,
      REDIS_PREFIX: 'provision:',
    });
  });

  it('gives the live lane a hand of its own, 200 commands unless WRITER_LIVE_MAX_IN_HAND says otherwise', () => {
    expect(readConfig(env)).toMatchObject({ WRITER_MAX_IN_HAND: 4000, WRITER_LIVE_MAX_IN_HAND: 200 });
    expect(readConfig({ ...env, WRITER_LIVE_MAX_IN_HAND: '50' }).WRITER_LIVE_MAX_IN_HAND).toBe(50);
    expect(() => readConfig({ ...env, WRITER_LIVE_MAX_IN_HAND: '0' })).toThrow(/WRITER_LIVE_MAX_IN_HAND/);
    // Reported with the other problems, in one message.
    expect(() => readConfig({ ...env, WRITER_LIVE_MAX_IN_HAND: 'many', KAFKA_BROKERS: 'nope' })).toThrow(
      /2 problems[\s\S]*KAFKA_BROKERS[\s\S]*WRITER_LIVE_MAX_IN_HAND/,
    );
  });

  it('reports what each auth mode lacks together with other problems, in one message', () => {
    const run = (extra: Record<string, string | undefined>) => () =>
      readConfig({ ...env, SALESFORCE_USERNAME: undefined, SALESFORCE_PASSWORD: undefined, ...extra });
    expect(run({ KAFKA_BROKERS: 'nope' })).toThrow(
      /KAFKA_BROKERS[\s\S]*SALESFORCE_USERNAME: is required when SALESFORCE_AUTH=password[\s\S]*SALESFORCE_PASSWORD: is required/,
    );
    expect(run({ SALESFORCE_AUTH: 'jwt', SALESFORCE_CLIENT_ID: 'cid' })).toThrow(
      /SALESFORCE_USERNAME: is required when SALESFORCE_AUTH=jwt[\s\S]*SALESFORCE_PRIVATE_KEY_FILE: is required/,
    );
    expect(
      run({ SALESFORCE_AUTH: 'client_credentials', SALESFORCE_CLIENT_ID: 'cid', SALESFORCE_CLIENT_SECRET: 's' }),
    ).not.toThrow();
  });

  it('keeps secrets out of the loggable copy', () => {
    expect(redactConfig(readConfig(env))).toMatchObject({
      SALESFORCE_PASSWORD: '[redacted]',
      SALESFORCE_SECURITY_TOKEN: '[redacted]',
    });
  });

  it('refuses an http: Salesforce URL unless simulator mode is explicitly on', () => {
    const insecure = { ...env, SALESFORCE_LOGIN_URL: 'http://salesforce-sim:8444' };
    expect(() => readConfig(insecure)).toThrow(/SALESFORCE_LOGIN_URL: must be https:/);
    expect(() => readConfig({ ...env, SALESFORCE_INSTANCE_URL: 'HTTP://acme.test' })).toThrow(
      /SALESFORCE_INSTANCE_URL: must be https:/,
    );
    expect(() => readConfig({ ...insecure, SALESFORCE_ALLOW_INSECURE_HTTP: 'false' })).toThrow(/must be https:/);
    expect(readConfig({ ...insecure, SALESFORCE_ALLOW_INSECURE_HTTP: 'true' }).SALESFORCE_LOGIN_URL).toBe(
      'http://salesforce-sim:8444',
    );
    // Reported with the other problems, in one message.
    expect(() => readConfig({ ...insecure, KAFKA_BROKERS: 'nope' })).toThrow(
      /2 problems[\s\S]*KAFKA_BROKERS[\s\S]*SALESFORCE_LOGIN_URL: must be https:/,
    );
    expect(readConfig(env).SALESFORCE_ALLOW_INSECURE_HTTP).toBe(false);
  });

  it('serves its API only with all three sign-in variables; some without the others is refused', () => {
    expect(authOf(readConfig(env))).toBeNull();
    const auth = {
      AUTH_TENANT_ID: '7c1f3b2a-0d4e-4f6a-9b8c-1e2d3c4b5a69',
      AUTH_AUTHORITY_HOST: 'https://login.microsoftonline.com',
      AUTH_AUDIENCE: 'api://provision',
    };
    expect(authOf(readConfig({ ...env, ...auth }))).toMatchObject({ ...auth, AUTH_AUDIENCE: ['api://provision'] });
    expect(() => readConfig({ ...env, AUTH_TENANT_ID: auth.AUTH_TENANT_ID })).toThrow(
      /AUTH_TENANT_ID: AUTH_TENANT_ID, AUTH_AUTHORITY_HOST and AUTH_AUDIENCE go together/,
    );
  });
});
