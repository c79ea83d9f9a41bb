import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Every service validates its whole configuration before it touches anything, and stops with one
// message that names every bad variable (a missing one and a malformed one together).
const root = new URL('..', import.meta.url).pathname;
const cases = {
  ingestor: ['KAFKA_BROKERS', 'GRAPH_TENANT_ID'],
  mapper: ['KAFKA_BROKERS', 'REDIS_URL'],
  writer: ['KAFKA_BROKERS', 'SALESFORCE_USERNAME'],
  audit: ['KAFKA_BROKERS', 'DATABASE_URL'],
} as const;

describe.each(Object.entries(cases))('%s with a malformed configuration', (service, named) => {
  it('exits 1 at start with one message naming every problem', () => {
    const env = {
      PATH: process.env.PATH ?? '',
      KAFKA_BROKERS: 'not a broker list',
      // Malformed, with a password in it: named, never shown.
      REDIS_URL: 'redis://provision:hunter2-in-url@redis:6379 oops',
      SALESFORCE_AUTH: 'password',
    };
    const run = spawnSync(process.execPath, [`services/${service}/src/main.ts`], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    const output = `${run.stderr}${run.stdout}`;
    expect(output).toMatch(/Invalid configuration, \d+ problems?:/);
    for (const variable of named) expect(output).toContain(variable);
    expect(output.match(/Invalid configuration/g)).toHaveLength(1);
    expect(output).not.toContain('hunter2-in-url');
  }, 30_000);

  it('never prints a secret, whether it is the malformed value or set beside malformed ones', () => {
    const env = {
      PATH: process.env.PATH ?? '',
      KAFKA_BROKERS: 'not a broker list',
      SALESFORCE_AUTH: 'password',
      SALESFORCE_LOGIN_URL: 'not a url',
      ...SECRETS,
    };
    const run = spawnSync(process.execPath, [`services/${service}/src/main.ts`], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    const output = `${run.stderr}${run.stdout}`;
    expect(output).toMatch(/Invalid configuration/);
    for (const secret of SECRET_VALUES) expect(output).not.toContain(secret);
    // The malformed connection URLs are named, their values not shown.
    expect(output).toMatch(/REDIS_URL: .*\(got \[redacted\]\)/);
    if (service === 'audit')
      expect(output).toMatch(/DATABASE_URL: .*\(got \[redacted\]\)[\s\S]*SMTP_URL: .*\(got \[redacted\]\)/);
  }, 30_000);
});

// Values that must never be printed: the connection URLs malformed (wrong scheme), the rest set
// beside malformed variables.
const SECRETS = {
  REDIS_URL: 'ftp://provision:redis-pw-5ecret@nowhere',
  DATABASE_URL: 'mysql://provision:pg-pw-5ecret@nowhere/db',
  SMTP_URL: 'http://provision:smtp-pw-5ecret@nowhere',
  SALESFORCE_PASSWORD: 'sf-pw-5ecret',
  SALESFORCE_SECURITY_TOKEN: 'sf-token-5ecret',
  SALESFORCE_CLIENT_SECRET: 'sf-client-5ecret',
  GRAPH_CLIENT_SECRET: 'graph-5ecret',
  WEBHOOK_CLIENT_STATE: 'cs-5ecret',
  KAFKA_SASL_PASSWORD: 'kafka-pw-5ecret',
} as const;
const SECRET_VALUES = ['redis-pw-5ecret', 'pg-pw-5ecret', 'smtp-pw-5ecret', ...Object.values(SECRETS).slice(3)];
