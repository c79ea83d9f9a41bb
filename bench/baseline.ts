// The baseline: a naive integration written the way most scripts are — jsforce, one REST create per
// user, one after the other — against the same realistic Salesforce model. It runs on a sample
// (`--baseline-users`, or until `--baseline-seconds`), since at its pace 6,000 users take about an
// hour; its throughput is per user, so the sample's rate is the sync's rate.
import { Connection } from '../packages/salesforce/node_modules/jsforce/index.js';
import { startSalesforceSim } from '../packages/salesforce-sim/src/index.ts';
import { round } from './lib/stats.ts';
import type { ScalingResult } from './writer-scaling.ts';

export const BASELINE_SPEEDUP_TARGET = 20;
export const BASELINE_CALLS_RATIO_TARGET = 1 / 100;

export interface BaselineResult {
  parameters: { sampleUsers: number; maxSeconds: number };
  model: unknown;
  naive: { users: number; seconds: number; usersPerSecond: number; apiCalls: number; callsPerUser: number };
  provision: { writers: number; usersPerSecond: number; apiCalls: number; callsPerUser: number; from: string } | null;
  /** Provision's throughput / the naive script's. */
  speedup: number | null;
  /** Provision's API calls per user / the naive script's. */
  callsRatio: number | null;
  pass: boolean;
}

export async function measureBaseline(
  options: { sampleUsers: number; maxSeconds: number; scaling: ScalingResult | null; scalingFrom: string },
  say: (line: string) => void,
): Promise<BaselineResult> {
  const sim = await startSalesforceSim({ model: 'realistic' });
  try {
    // Licences for every user of the sample (the default org has 100).
    sim.admin.updateOrg(sim.orgId, { licences: { Salesforce: 100_000 } });
    const profileId = sim.admin.summary(sim.orgId).profiles.find((p) => p.name === 'Standard User')!.id;
    const conn = new Connection({ loginUrl: sim.loginUrl, version: '62.0' });
    await conn.login(sim.credentials.username, sim.credentials.password + sim.credentials.securityToken);
    sim.admin.resetRequestCounts();
    const started = Date.now();
    let users = 0;
    while (users < options.sampleUsers && Date.now() - started < options.maxSeconds * 1000) {
      const n = users + 1;
      await conn.sobject('User').create({
        Username: `naive${n}.${started}@baseline.example.com`,
        LastName: `Naive${n}`,
        FirstName: 'Bench',
        Email: `naive${n}@baseline.example.com`,
        Alias: `nv${n}`.slice(0, 8),
        TimeZoneSidKey: 'Europe/London',
        LocaleSidKey: 'en_GB',
        EmailEncodingKey: 'UTF-8',
        LanguageLocaleKey: 'en_US',
        ProfileId: profileId,
      });
      users = n;
    }
    const seconds = round((Date.now() - started) / 1000, 2);
    const apiCalls = Object.values(sim.admin.requestCounts()).reduce((a, b) => a + b, 0);
    const naive = {
      users,
      seconds,
      usersPerSecond: round(users / seconds, 2),
      apiCalls,
      callsPerUser: round(apiCalls / Math.max(1, users), 3),
    };
    say(
      `baseline: naive script ${naive.usersPerSecond} users/s, ${naive.callsPerUser} calls per user (${users} users)`,
    );
    // Provision at its best in the scaling runs: the fastest writer count.
    const best = [...(options.scaling?.runs ?? [])].sort((a, b) => b.usersPerSecond - a.usersPerSecond)[0];
    const provision = best
      ? {
          writers: best.writers,
          usersPerSecond: best.usersPerSecond,
          apiCalls: best.apiCalls.total,
          callsPerUser: round(best.apiCalls.total / Math.max(1, best.outcome.created + best.outcome.matched), 4),
          from: options.scalingFrom,
        }
      : null;
    const speedup = provision ? round(provision.usersPerSecond / naive.usersPerSecond, 1) : null;
    const callsRatio = provision ? round(provision.callsPerUser / naive.callsPerUser, 4) : null;
    return {
      parameters: { sampleUsers: options.sampleUsers, maxSeconds: options.maxSeconds },
      model: sim.admin.model(),
      naive,
      provision,
      speedup,
      callsRatio,
      pass:
        speedup !== null &&
        callsRatio !== null &&
        speedup >= BASELINE_SPEEDUP_TARGET &&
        callsRatio <= BASELINE_CALLS_RATIO_TARGET,
    };
  } finally {
    await sim.close();
  }
}
