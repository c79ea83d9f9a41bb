import { describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  AUTH_TENANT_ID: '7c1f3b2a-0d4e-4f6a-9b8c-1e2d3c4b5a69',
  AUTH_AUTHORITY_HOST: 'https://login.test',
  AUTH_AUDIENCE: '0b8f5c2e-3a1d-4e6f-8a9b-7c6d5e4f3a2b',
};

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
      DATABASE_STATEMENT_TIMEOUT_MS: 15_000,
      AUDIT_MAX_CONCURRENT_EXPORTS: 2,
    });
    expect(readConfig(base).SMTP_URL).toBeUndefined();
  });

  it('reads the alert recipients as a list', () => {
    const config = readConfig({ ...base, SMTP_URL: 'smtp://mail:25', ALERT_EMAIL_TO: 'a@contoso.com, b@contoso.com' });
    expect(config.ALERT_EMAIL_TO).toEqual(['a@contoso.com', 'b@contoso.com']);
  });

  it('takes SMTP_SECURE none (a local relay) with smtp://, and refuses tls with it', () => {
    const mail = { SMTP_URL: 'smtp://relay:25', ALERT_EMAIL_TO: 'a@contoso.com' };
    expect(readConfig({ ...base, ...mail, SMTP_SECURE: 'none' }).SMTP_SECURE).toBe('none');
    expect(() => readConfig({ ...base, ...mail, SMTP_SECURE: 'tls' })).toThrow(/SMTP_SECURE: tls goes with an smtps/);
    expect(() => readConfig({ ...base, ...mail, SMTP_SECURE: 'maybe' })).toThrow(/SMTP_SECURE/);
  });

  it('never shows a connection URL, which may hold a password, even when it is malformed', () => {
    const run = () =>
      readConfig({ ...base, DATABASE_URL: 'mysql://u:db-s3cret@h/db', REDIS_URL: 'ftp://u:redis-s3cret@h' });
    expect(run).toThrow(/DATABASE_URL[\s\S]*REDIS_URL/);
    expect(run).not.toThrow(/s3cret/);
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

  it('requires sign-in settings and derives the dashboard sign-in from them', async () => {
    const { dashboardSignInFrom } = await import('./http/dashboard.ts');
    expect(() => readConfig({ KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: base.DATABASE_URL })).toThrow(
      /AUTH_TENANT_ID[\s\S]*AUTH_AUTHORITY_HOST[\s\S]*AUTH_AUDIENCE/,
    );
    expect(() => readConfig({ ...base, AUTH_AUTHORITY_HOST: 'http://login.test' })).toThrow(/AUTH_AUTHORITY_HOST/);
    expect(dashboardSignInFrom(readConfig(base))).toEqual({
      authority: 'https://login.test/7c1f3b2a-0d4e-4f6a-9b8c-1e2d3c4b5a69',
      clientId: '0b8f5c2e-3a1d-4e6f-8a9b-7c6d5e4f3a2b',
      scope: 'api://0b8f5c2e-3a1d-4e6f-8a9b-7c6d5e4f3a2b/access_as_user',
    });
    expect(dashboardSignInFrom(readConfig({ ...base, AUTH_AUDIENCE: 'api://provision' }))).toBeNull();
    expect(
      dashboardSignInFrom(readConfig({ ...base, AUTH_DASHBOARD_AUTHORITY: 'https://localhost:8443/tenant-1/' }))
        ?.authority,
    ).toBe('https://localhost:8443/tenant-1');
  });
});
