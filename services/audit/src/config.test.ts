import { describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' };

describe('readConfig', () => {
  it('applies the documented defaults', () => {
    expect(readConfig(base)).toMatchObject({
      DATABASE_SCHEMA: 'provision',
      REDIS_PREFIX: 'provision:',
      TOPIC_PREFIX: '',
      KAFKA_PARTITIONS: 6,
      HTTP_PORT: 8080,
      AUDIT_RETENTION_DAYS: 30,
      ALERT_DIGEST_INTERVAL_MS: 60_000,
    });
    expect(readConfig(base).SMTP_URL).toBeUndefined();
  });

  it('reads the alert recipients as a list', () => {
    const config = readConfig({ ...base, SMTP_URL: 'smtp://mail:25', ALERT_EMAIL_TO: 'a@contoso.com, b@contoso.com' });
    expect(config.ALERT_EMAIL_TO).toEqual(['a@contoso.com', 'b@contoso.com']);
  });

  it('refuses half an email configuration', () => {
    expect(() => readConfig({ ...base, SMTP_URL: 'smtp://mail:25' })).toThrow(
      /ALERT_EMAIL_TO: SMTP_URL and ALERT_EMAIL_TO go together/,
    );
  });

  it('refuses a schema name that is not a plain SQL identifier and bad recipients, together', () => {
    expect(() =>
      readConfig({ ...base, DATABASE_SCHEMA: 'x"; drop', SMTP_URL: 'smtp://mail:25', ALERT_EMAIL_TO: 'nobody' }),
    ).toThrow(/2 problems[\s\S]*DATABASE_SCHEMA[\s\S]*ALERT_EMAIL_TO/);
  });
});
