// The Salesforce and Graph the scaling benchmarks run against: salesforce-sim's `realistic`
// performance model (slow User inserts, lock contention, the documented limits) and graph-sim's
// resource-unit throttling. Every result records the model it ran against.
import type { PerformanceModel } from '../../packages/salesforce-sim/src/index.ts';
import type { Simulators } from '../../tools/demo/src/index.ts';

/** What the benchmark changes about the model (`--model-*` flags): nothing by default. */
export interface ModelOverrides {
  userInsertBaseMs?: number;
  userInsertPerRecordMs?: number;
  lockPerOverlap?: number;
}

/** Switches both simulators to their documented behaviour (a `prepare` hook of the pipeline). */
export function realistic(overrides: ModelOverrides = {}): (sims: Simulators) => void {
  return (sims) => {
    sims.salesforce.admin.setModel({
      profile: 'realistic',
      ...(overrides.userInsertBaseMs === undefined && overrides.userInsertPerRecordMs === undefined
        ? {}
        : {
            costs: {
              userInsert: {
                ...(overrides.userInsertBaseMs === undefined ? {} : { baseMs: overrides.userInsertBaseMs }),
                ...(overrides.userInsertPerRecordMs === undefined
                  ? {}
                  : { perRecordMs: overrides.userInsertPerRecordMs }),
              },
            },
          }),
      ...(overrides.lockPerOverlap === undefined ? {} : { lockPerOverlap: overrides.lockPerOverlap }),
    });
    sims.graph.admin.setResourceUnits(true);
  };
}

/** The model and the org's limits as a result file records them. */
export function modelOf(sims: Simulators): {
  salesforce: PerformanceModel;
  org: { edition: string; apiDailyLimit: number; concurrentLongRunningLimit: number; longRunningThresholdMs: number };
  graphResourceUnits: boolean;
} {
  const sf = sims.salesforce;
  const summary = sf.admin.summary(sf.orgId);
  return {
    salesforce: sf.admin.model(),
    org: {
      edition: summary.edition,
      apiDailyLimit: summary.settings.apiDailyLimit,
      concurrentLongRunningLimit: summary.settings.concurrentLongRunningLimit,
      longRunningThresholdMs: summary.settings.longRunningThresholdMs,
    },
    graphResourceUnits: true,
  };
}
