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
});
