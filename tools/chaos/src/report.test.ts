import { describe, expect, it } from 'vitest';
import { type ChaosReport, exitCode, lastLine } from './report.ts';

const report = (over: Partial<ChaosReport> = {}): ChaosReport =>
  ({
    kills: [{}, {}, {}],
    counts: { duplicates: 0, missing: 0, wrong: 0, stale: 0, refused: 0, unattributed: 0 },
    converged: true,
    convergedInSeconds: 41.6,
    audit: { complete: true, notLogged: 0, pending: 0, commandsOnTopic: 10 },
    servicesNotRunning: [],
    ...over,
  }) as unknown as ChaosReport;

describe('the verdict', () => {
  it('says so on the last line and exits 0 when everything converged', () => {
    expect(lastLine(report(), 300)).toBe(
      'chaos: 0 duplicates, 0 missing, 0 wrong, 0 stale after 3 kills (converged in 42 s)',
    );
    expect(exitCode(report())).toBe(0);
  });

  it('exits 1 with the counts when it did not converge', () => {
    const failed = report({
      converged: false,
      convergedInSeconds: null,
      counts: { duplicates: 1, missing: 161, wrong: 0, stale: 13, unattributed: 0 } as ChaosReport['counts'],
    });
    expect(lastLine(failed, 300)).toBe(
      'chaos: 1 duplicates, 161 missing, 0 wrong, 13 stale after 3 kills (did not converge in 300 s)',
    );
    expect(exitCode(failed)).toBe(1);
  });

  it('names the changes Salesforce refused and the log explains, without failing the run', () => {
    const refused = report({ counts: { ...report().counts, refused: 2 } });
    expect(lastLine(refused, 300)).toBe(
      'chaos: 0 duplicates, 0 missing, 0 wrong, 0 stale, 2 refused by Salesforce (logged) after 3 kills (converged in 42 s)',
    );
    expect(exitCode(refused)).toBe(0);
  });

  it('exits 1 when a command has no logged result, or a Salesforce user belongs to nobody', () => {
    const incomplete = report({
      audit: { complete: false, notLogged: 2, pending: 1, commandsOnTopic: 10 } as ChaosReport['audit'],
    });
    expect(lastLine(incomplete, 300)).toMatch(/audit incomplete: 3 commands without a logged result\)$/);
    expect(exitCode(incomplete)).toBe(1);
    const stranger = report({ counts: { ...report().counts, unattributed: 1 } });
    expect(exitCode(stranger)).toBe(1);
  });
});
