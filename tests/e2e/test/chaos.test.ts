import { describe, expect, it } from 'vitest';
import { type ChaosRun, lastLine, runChaos } from '../../../tools/chaos/src/index.ts';

// The small form of `./pnpmw chaos`: the whole pipeline while services are killed (one while it
// starts), Salesforce and Graph fail and the tenant changes; then Salesforce must converge to what
// the final tenant implies, and the audit must hold a result for every command.
describe('convergence under faults (the small form of ./pnpmw chaos)', () => {
  it('leaves no user duplicated, missing, wrong or stale after 200 users, 2 kills, seed 7', async () => {
    let run: ChaosRun | undefined;
    try {
      run = await runChaos(
        { users: 200, kills: 2, seed: 7, timeoutSeconds: 90, keep: false, brokerRestart: false, redisFlush: false },
        () => undefined,
      );
      const { report } = run;
      const summary = lastLine(report, 90);
      expect(report.kills.length, summary).toBe(2);
      expect(report.kills.some((k) => k.whileStarting)).toBe(true);
      expect(report.counts, JSON.stringify(report.examples, null, 2)).toMatchObject({
        duplicates: 0,
        missing: 0,
        wrong: 0,
        stale: 0,
        unattributed: 0,
      });
      expect(report.converged, summary).toBe(true);
      expect(report.audit?.complete, JSON.stringify(report.audit, null, 2)).toBe(true);
    } finally {
      await run?.pipeline.stop();
    }
  }, 180_000);
});
