import { describe, expect, it } from 'vitest';
import { parseChaosArgs } from './args.ts';

describe('the command line', () => {
  it('has defaults for everything', () => {
    expect(parseChaosArgs([])).toEqual({
      kind: 'run',
      options: {
        users: 3000,
        kills: 12,
        seed: 1,
        timeoutSeconds: 300,
        keep: false,
        brokerRestart: false,
        redisFlush: false,
      },
    });
  });

  it('reads every option', () => {
    const parsed = parseChaosArgs([
      '--users',
      '200',
      '--kills=2',
      '--seed',
      '7',
      '--timeout',
      '120',
      '--keep',
      '--broker-restart',
      '--redis-flush',
    ]);
    expect(parsed).toEqual({
      kind: 'run',
      options: {
        users: 200,
        kills: 2,
        seed: 7,
        timeoutSeconds: 120,
        keep: true,
        brokerRestart: true,
        redisFlush: true,
      },
    });
  });

  it('answers --help and -h', () => {
    expect(parseChaosArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseChaosArgs(['-h', '--users', 'x'])).toEqual({ kind: 'help' });
  });

  it('names every bad argument and what it expects', () => {
    const parsed = parseChaosArgs(['--users', 'many', '--kills=-1', '--seed', '1.5', '--timeout', '0']);
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.problems).toEqual([
      "--users must be a whole number from 10 to 100000 (got 'many')",
      "--kills must be a whole number from 0 to 1000 (got '-1')",
      "--seed must be a whole number from 0 to 2147483647 (got '1.5')",
      "--timeout must be a whole number from 10 to 86400 (got '0')",
    ]);
  });

  it('refuses an unknown option or a missing value, naming it', () => {
    const unknown = parseChaosArgs(['--user', '5']);
    expect(unknown.kind === 'error' && unknown.problems[0]).toMatch(/'--user'/);
    const missing = parseChaosArgs(['--users']);
    expect(missing.kind === 'error' && missing.problems[0]).toMatch(/--users/);
  });
});
