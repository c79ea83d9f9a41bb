import { isProvisionError } from '@provision/errors';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bool, brokerList, loadConfig, port, redactConfig, urlOf } from './index.ts';

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
