/** One feature licence of the org, as ActiveFeatureLicenseMetric reports it. */
export interface FeatureLicenseCount {
  /** The licence's User checkbox, `UserPermissions<FeatureType>` (e.g. `UserPermissionsMarketingUser`). */
  readonly field: string;
  /** Licences bought (`TotalLicenseCount`). */
  readonly total: number;
  /**
   * Active users holding one, counted on User when the gateway could (the metric's
   * `AssignedUserCount` is a periodic snapshot that lags behind assignments and deactivations).
   */
  readonly assigned: number;
  /** When Salesforce collected the counts (`MetricsDate`): they are a periodic snapshot, not live. */
  readonly metricsDate: string | null;
}

/** The SOQL of the org's feature licence counts, newest metrics first. */
export const FEATURE_LICENSE_QUERY =
  'SELECT FeatureType, TotalLicenseCount, AssignedUserCount, MetricsDate FROM ActiveFeatureLicenseMetric ORDER BY MetricsDate DESC';

/**
 * The newest count of each feature licence, from ActiveFeatureLicenseMetric rows (Object Reference,
 * API 52.0+; one row per FeatureType and MetricsDate). A row without a total is skipped: the
 * licence's limit is then unknown.
 */
export function featureLicenseCounts(rows: readonly Record<string, unknown>[]): FeatureLicenseCount[] {
  const out = new Map<string, FeatureLicenseCount>();
  for (const row of rows) {
    const type = row['FeatureType'];
    const total = row['TotalLicenseCount'];
    if (typeof type !== 'string' || typeof total !== 'number') continue;
    const field = `UserPermissions${type}`;
    const date = typeof row['MetricsDate'] === 'string' ? row['MetricsDate'] : null;
    const seen = out.get(field);
    if (seen && (seen.metricsDate ?? '') >= (date ?? '')) continue;
    const assigned = typeof row['AssignedUserCount'] === 'number' ? row['AssignedUserCount'] : 0;
    out.set(field, { field, total, assigned, metricsDate: date });
  }
  return [...out.values()].sort((a, b) => (a.field < b.field ? -1 : 1));
}

/**
 * The SOQL of the active users holding any of `fields` (feature licence checkboxes): counting them
 * gives the live number assigned. Field names are checked, never quoted from input.
 */
export function licenceHoldersQuery(fields: readonly string[]): string {
  const safe = fields.filter((f) => /^UserPermissions[A-Za-z]+$/.test(f));
  return `SELECT ${safe.join(', ')} FROM User WHERE IsActive = true AND (${safe.map((f) => `${f} = true`).join(' OR ')})`;
}

/** The counts with `assigned` replaced by the holders of each licence among `holders` (User rows). */
export function withLiveAssigned(
  counts: readonly FeatureLicenseCount[],
  holders: readonly Record<string, unknown>[],
): FeatureLicenseCount[] {
  return counts.map((c) => ({ ...c, assigned: holders.filter((h) => h[c.field] === true).length }));
}
