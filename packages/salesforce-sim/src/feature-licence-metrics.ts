import type { Org, Row } from './org.ts';
import { ACTIVE_FEATURE_LICENSE_METRIC } from './schema.ts';
import { FEATURE_LICENCES } from './user-rules.ts';

// A setting on User, not a licence: ActiveFeatureLicenseMetric's FeatureType has no such value.
const NOT_A_LICENCE = new Set(['UserPermissionsCallCenterAutoLogin']);

/** Active users holding the feature licence of `field`, as the simulator's LICENSE_LIMIT_EXCEEDED counts them. */
export function featureLicenceUsed(org: Org, field: string): number {
  let used = 0;
  for (const user of org.users.values()) if (user['IsActive'] === true && user[field] === true) used++;
  return used;
}

/**
 * ActiveFeatureLicenseMetric rows: one per feature the org has a total for, dated today, the
 * counts as of now. Ids are stable per feature, so a row read twice is the same record.
 */
export function featureLicenceMetricRows(org: Org): Row[] {
  const today = new Date().toISOString().slice(0, 10);
  const rows: Row[] = [];
  for (const [field, total] of org.featureLicences) {
    if (!Object.hasOwn(FEATURE_LICENCES, field) || NOT_A_LICENCE.has(field)) continue;
    const index = Object.keys(FEATURE_LICENCES).indexOf(field) + 1;
    rows.push({
      Id: `${ACTIVE_FEATURE_LICENSE_METRIC.keyPrefix}${String(index).padStart(12, '0')}AAA`,
      FeatureType: field.slice('UserPermissions'.length),
      TotalLicenseCount: total,
      AssignedUserCount: featureLicenceUsed(org, field),
      ActiveUserCount: null,
      MetricsDate: today,
      SystemModstamp: `${today}T00:00:00.000+0000`,
    });
  }
  return rows;
}
