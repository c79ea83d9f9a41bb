import { isProvisionError } from '@provision/errors';
import { describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';

const AUTH = {
  AUTH_TENANT_ID: '7c1f3b2a-0d4e-4f6a-9b8c-1e2d3c4b5a69',
  AUTH_AUDIENCE: 'api://provision',
  AUTH_AUTHORITY_HOST: 'https://login.microsoftonline.com',
};
const REQUIRED = { KAFKA_BROKERS: 'kafka:9092', REDIS_URL: 'redis://redis:6379', ...AUTH };

describe('the mapper configuration', () => {
  it('takes its defaults: port 8082, the guard at 500 per hour, no dry run', () => {
    const config = readConfig(REQUIRED);
    expect(config).toMatchObject({
      HTTP_PORT: 8082,
      DRY_RUN: false,
      DEACTIVATION_GUARD_THRESHOLD: 500,
      DEACTIVATION_GUARD_WINDOW_MS: 3_600_000,
      KAFKA_BROKERS: ['kafka:9092'],
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every bad variable in one PRV_CONFIG_INVALID error', () => {
    let error: unknown;
    try {
      readConfig({ ...AUTH, KAFKA_BROKERS: 'kafka', DEACTIVATION_GUARD_THRESHOLD: '-1', DRY_RUN: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(isProvisionError(error) && error.code).toBe('PRV_CONFIG_INVALID');
    for (const name of ['KAFKA_BROKERS', 'REDIS_URL', 'DEACTIVATION_GUARD_THRESHOLD', 'DRY_RUN'])
      expect((error as Error).message).toContain(name);
  });
});
