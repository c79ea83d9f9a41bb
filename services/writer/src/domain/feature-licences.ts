import type { ModifiedProperty, ResultError } from '@provision/events';
import { featureLicenseLabel, isFeatureLicense } from '@provision/mapping';
import type { FeatureLicenseCount, Fields, SalesforceFailure } from './ports.ts';

/** The feature licences a write ticks (`UserPermissions*` set to true). */
export function tickedLicenses(fields: Fields): string[] {
  return Object.keys(fields).filter((f) => isFeatureLicense(f) && fields[f] === true);
}

/**
 * What is left of each feature licence while a round is planned: taken one by one, in command
 * order. A licence the org reports no total for is not limited here.
 */
export class LicenseBudget {
  private readonly left: Map<string, number>;

  /** From the org's counts, or over a map of what is left that it then counts down (shared). */
  constructor(counts: readonly FeatureLicenseCount[] | Map<string, number>) {
    this.left = counts instanceof Map ? counts : LicenseBudget.countsOf(counts);
  }

  /** What is left of each licence, from the org's counts. */
  static countsOf(counts: readonly FeatureLicenseCount[]): Map<string, number> {
    return new Map(counts.map((c) => [c.field, Math.max(0, c.total - c.assigned)]));
  }

  /** Takes one of each licence; returns those none is left of (not taken). */
  take(licences: readonly string[]): string[] {
    const short = licences.filter((f) => this.left.get(f) === 0);
    for (const f of licences) {
      const n = this.left.get(f);
      if (n !== undefined && n > 0) this.left.set(f, n - 1);
    }
    return short;
  }
}

/**
 * The org's feature licence counts, kept between a writer's batches: read once, then counted down
 * as writes take licences, so a sync does not read them (two queries) for every batch. The kept
 * counts only ever let a write through; a write is told that none of a licence is left only after
 * a fresh read says so, so a licence freed since (a user deactivated) is never refused from memory.
 * Kept counts older than `maxAgeMs` are read again. Counting too many (another replica took
 * licences meanwhile) costs nothing worse than today's race: Salesforce refuses the write
 * (`LICENSE_LIMIT_EXCEEDED`), and the user is written without the licence, with the warning.
 */
export class LicenseCounts {
  private left: Map<string, number> | undefined;
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(options: { maxAgeMs: number; now: () => number }) {
    this.maxAgeMs = options.maxAgeMs;
    this.now = options.now;
  }

  /**
   * Takes the licences each write ticks, in order; returns, per write, those none is left of (not
   * taken). Reads the counts (`read`) unless the kept ones are recent and cover every write.
   */
  async take(
    wants: readonly (readonly string[])[],
    read: () => Promise<readonly FeatureLicenseCount[]>,
  ): Promise<string[][]> {
    const kept = this.left && this.now() - this.readAt < this.maxAgeMs && covers(this.left, wants);
    if (!kept) {
      this.reading ??= read()
        .then((counts) => {
          this.left = LicenseBudget.countsOf(counts);
          this.readAt = this.now();
        })
        .finally(() => {
          this.reading = undefined;
        });
      await this.reading;
    }
    const budget = new LicenseBudget(this.left as Map<string, number>);
    return wants.map((w) => budget.take(w));
  }
}

/** Whether `left` has enough of every licence for all of `wants` together. */
function covers(left: ReadonlyMap<string, number>, wants: readonly (readonly string[])[]): boolean {
  const needed = new Map<string, number>();
  for (const w of wants) for (const f of w) needed.set(f, (needed.get(f) ?? 0) + 1);
  for (const [f, n] of needed) {
    const have = left.get(f);
    if (have !== undefined && have < n) return false;
  }
  return true;
}

/** The write without the given licences ticked, and its modified properties likewise. */
export function withoutLicenses(
  fields: Fields,
  modified: readonly ModifiedProperty[],
  licences: readonly string[],
): { fields: Fields; modified: ModifiedProperty[] } {
  const drop = new Set(licences);
  return {
    fields: Object.fromEntries(Object.entries(fields).filter(([k]) => !drop.has(k))),
    modified: modified.filter((m) => !drop.has(m.name)),
  };
}

/**
 * The licences a `LICENSE_LIMIT_EXCEEDED` refusal concerns: the feature licences it names, or, when
 * it names none that the write ticks, every one the write ticks. None: the refusal is about the
 * user licence (the profile's), and the user cannot be written without it.
 */
export function refusedLicenses(fields: Fields, failure: SalesforceFailure | undefined): string[] {
  if (failure?.code !== 'SalesforceLicenseLimitExceeded') return [];
  const ticked = tickedLicenses(fields);
  const named = failure.fields.filter((f) => ticked.includes(f));
  return named.length > 0 ? named : ticked;
}

/** The warning of a user written without feature licences the org has none left of. */
export function licenseNotice(licences: readonly string[], counted: boolean): ResultError {
  const names = licences.map((f) => `${featureLicenseLabel(f)} (${f})`).join(', ');
  return {
    code: 'SalesforceLicenseLimitExceeded',
    message: `No ${names} feature licence is left in the org (${counted ? 'counted before assignment' : 'Salesforce answered LICENSE_LIMIT_EXCEEDED'}): the user was provisioned without it`,
    retriable: false,
    fields: [...licences],
    recommendedAction:
      'Buy more of these feature licences (Setup → Company Information → Feature Licenses), untick them on users who no longer need them, or narrow featureLicenseRules; the user is given the licence by its next command once one is free.',
  };
}
