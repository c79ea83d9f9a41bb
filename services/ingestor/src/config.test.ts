import { isProvisionError } from '@provision/errors';
import { describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  REDIS_URL: 'redis://127.0.0.1:6379',
  GRAPH_TENANT_ID: 'tenant',
  GRAPH_CLIENT_ID: 'client',
  GRAPH_CLIENT_SECRET: 'very-secret',
  GRAPH_SERVICE_PRINCIPAL_ID: 'sp',
  AUTH_TENANT_ID: '7c1f3b2a-0d4e-4f6a-9b8c-1e2d3c4b5a69',
  AUTH_AUTHORITY_HOST: 'https://login.test',
  AUTH_AUDIENCE: 'api://provision',
};

describe('readConfig', () => {
  it('applies the defaults: real Graph, 5-minute polling, no webhook', () => {
    expect(readConfig(base)).toMatchObject({
      GRAPH_BASE_URL: 'https://graph.microsoft.com',
      GRAPH_AUTHORITY_HOST: 'https://login.microsoftonline.com',
      SYNC_INTERVAL_MS: 300_000,
      ASSIGNMENT_POLL_INTERVAL_MS: 10_000,
      KAFKA_PARTITIONS: 6,
      REDIS_PREFIX: 'provision:',
      TOPIC_PREFIX: '',
    });
    expect(readConfig(base).WEBHOOK_PUBLIC_URL).toBeUndefined();
  });

  it('turns the assignments poll off with 0 and refuses a negative interval', () => {
    expect(readConfig({ ...base, ASSIGNMENT_POLL_INTERVAL_MS: '0' }).ASSIGNMENT_POLL_INTERVAL_MS).toBe(0);
    expect(readConfig({ ...base, ASSIGNMENT_POLL_INTERVAL_MS: '2500' }).ASSIGNMENT_POLL_INTERVAL_MS).toBe(2500);
    expect(() => readConfig({ ...base, ASSIGNMENT_POLL_INTERVAL_MS: '-1' })).toThrow(/ASSIGNMENT_POLL_INTERVAL_MS/);
  });

  it('requires WEBHOOK_CLIENT_STATE when WEBHOOK_PUBLIC_URL is set, and reports every problem at once', () => {
    let error: unknown;
    try {
      readConfig({
        ...base,
        WEBHOOK_PUBLIC_URL: 'https://ingestor.example.com',
        GRAPH_BASE_URL: 'http://graph',
        GRAPH_CLIENT_SECRET: '',
      });
    } catch (e) {
      error = e;
    }
    expect(isProvisionError(error) && error.code).toBe('PRV_CONFIG_INVALID');
    const message = (error as Error).message;
    expect(message).toMatch(/WEBHOOK_CLIENT_STATE: is required when WEBHOOK_PUBLIC_URL is set/);
    expect(message).toMatch(/GRAPH_BASE_URL/);
    expect(message).toMatch(/GRAPH_CLIENT_SECRET: is required/);
  });

  it('never shows the client state or the client secret in its messages', () => {
    expect(() =>
      readConfig({ ...base, WEBHOOK_PUBLIC_URL: 'https://x.example.com', WEBHOOK_CLIENT_STATE: 'short' }),
    ).toThrow(/WEBHOOK_CLIENT_STATE: .*\[redacted\]/);
    expect(() => readConfig({ ...base, WEBHOOK_CLIENT_STATE: 'short' })).not.toThrow(/short/);
  });
});
