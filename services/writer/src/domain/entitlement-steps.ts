import type { ModifiedProperty, ProvisioningCommandV1 } from '@provision/events';
import type { ApiOperation } from './observer.ts';
import { groupsProperty, type NamedField, namedProperty, setsProperty } from './permission-sets.ts';
import type { EntitlementStepChanges, SalesforceDirectory, SalesforceFailure } from './ports.ts';

/** A written user whose entitlements are to change. */
export interface EntitlementItem {
  readonly command: ProvisioningCommandV1;
  /** The Salesforce user Id. */
  readonly userId: string;
  /** Created in this attempt: it holds nothing yet, so nothing needs reading. */
  readonly newUser: boolean;
}

export interface EntitlementDeps {
  readonly dryRun: boolean;
  readonly directory: SalesforceDirectory;
  /** One API call, spent from the budgets and observed (the batch writer's). */
  call<T>(operation: ApiOperation, size: number, fn: () => Promise<T>): Promise<T>;
}

/**
 * Applies (or, in dry run, previews) each user's entitlement changes, for the users concerned only:
 * in one directory call when the directory takes several steps at once (`assignEntitlements`),
 * else one call per step. Licences added first (a permission set or group may need one),
 * then permission sets, permission set groups, public groups and queues, and licences removed last
 * (once nothing that needs them is left). What changed shows as `PermissionSetLicenses`,
 * `PermissionSets`, `PermissionSetGroups`, `PublicGroups` and `Queues` old → new; the failure that
 * matters most is returned (a transient one, which retries the whole, before a refusal; else the first).
 */
export async function applyEntitlements(
  items: readonly EntitlementItem[],
  deps: EntitlementDeps,
  keepDone?: (index: number, modified: ModifiedProperty[]) => void,
): Promise<{ modified: ModifiedProperty[]; failure: SalesforceFailure | null }[]> {
  const { dryRun, directory } = deps;
  type Outcome = { ok: boolean; before?: unknown; after?: unknown; failure?: SalesforceFailure };
  const named =
    (field: 'permissionSets' | NamedField, part: 'add' | 'remove' | 'both') => (c: ProvisioningCommandV1) => {
      const changes = c[field] ?? { add: [], remove: [] };
      return {
        add: part === 'remove' ? [] : [...changes.add],
        remove: part === 'add' ? [] : [...changes.remove],
      };
    };
  const steps: {
    kind: EntitlementStepChanges['kind'];
    field: string;
    changes: (c: ProvisioningCommandV1) => { add: readonly unknown[]; remove: readonly unknown[] };
    run: (changes: never[]) => Promise<readonly Outcome[]>;
  }[] = [
    {
      kind: 'permissionSetLicenses',
      field: 'PermissionSetLicenses',
      changes: named('permissionSetLicenses', 'add'),
      run: (changes) => directory.assignPermissionSetLicenses(changes, { dryRun }),
    },
    {
      kind: 'permissionSets',
      field: 'PermissionSets',
      changes: named('permissionSets', 'both'),
      run: (changes) => directory.assignPermissionSets(changes, { dryRun }),
    },
    {
      kind: 'permissionSetGroups',
      field: 'PermissionSetGroups',
      changes: named('permissionSetGroups', 'both'),
      run: (changes) => directory.assignPermissionSetGroups(changes, { dryRun }),
    },
    {
      kind: 'groupMemberships',
      field: 'PublicGroups',
      changes: (c) => c.groupMemberships ?? { add: [], remove: [] },
      run: (changes) => directory.assignGroupMemberships(changes, { dryRun }),
    },
    {
      kind: 'permissionSetLicenses',
      field: 'PermissionSetLicenses',
      changes: named('permissionSetLicenses', 'remove'),
      run: (changes) => directory.assignPermissionSetLicenses(changes, { dryRun }),
    },
  ];
  const has = (step: (typeof steps)[number], x: (typeof items)[number]) => {
    const c = step.changes(x.command);
    return c.add.length + c.remove.length > 0;
  };
  // Each user's outcome of each step it took part in, in step order.
  const done = items.map(() => new Map<number, Outcome>());
  const runs = steps
    .map((step, n) => ({ step, n, concerned: items.filter((x) => has(step, x)) }))
    .filter((r) => r.concerned.length > 0);
  const changesOf = (r: (typeof runs)[number]) =>
    r.concerned.map((x) => ({ userId: x.userId, ...r.step.changes(x.command), newUser: x.newUser })) as never[];
  const record = (r: (typeof runs)[number], outcomes: readonly Outcome[]) => {
    for (const [i, x] of r.concerned.entries()) done[items.indexOf(x)]!.set(r.n, outcomes[i] ?? missing(r.step.field));
    if (!keepDone) return;
    // What is applied is kept at once: should a later call fail as a whole, the retry finds it
    // done (and reports nothing for it), and the result still shows it.
    for (const x of r.concerned) {
      const i = items.indexOf(x);
      if (steps.slice(r.n + 1).some((later) => has(later, x))) keepDone(i, modifiedOf(done[i]!));
    }
  };
  const together = directory.assignEntitlements?.bind(directory);
  if (together && runs.length > 1) {
    // One call for every step: their reads together, then their writes in step order.
    const records = runs.reduce((n, r) => n + r.concerned.length, 0);
    const outcomes = await deps.call('entitlements', records, () =>
      together(
        runs.map((r) => ({ kind: r.step.kind, changes: changesOf(r) })),
        { dryRun },
      ),
    );
    for (const [k, r] of runs.entries()) record(r, (outcomes[k] ?? []) as readonly Outcome[]);
  } else {
    for (const r of runs) record(r, await deps.call(r.step.kind, r.concerned.length, () => r.step.run(changesOf(r))));
  }
  return items.map((_, i) => {
    const outcomes = [...done[i]!.values()];
    const failures = outcomes.flatMap((o) => (!o.ok && o.failure ? [o.failure] : []));
    return { modified: modifiedOf(done[i]!), failure: failures.find((f) => f.retriable) ?? failures[0] ?? null };
  });

  /** Old → new of each type, the licences from before their first step to after their last. */
  function modifiedOf(byStep: ReadonlyMap<number, Outcome>): ModifiedProperty[] {
    const of = (n: number) => byStep.get(n) as { before?: never; after?: never } | undefined;
    const first = of(0) ?? of(4);
    const last = of(4) ?? of(0);
    return [
      ...namedProperty('permissionSetLicenses', first?.before, last?.after),
      ...setsProperty(of(1)?.before, of(1)?.after),
      ...namedProperty('permissionSetGroups', of(2)?.before, of(2)?.after),
      ...groupsProperty(of(3)?.before, of(3)?.after),
    ];
  }
}

/** The failure of an entitlement change Salesforce gave no result for: worth another try. */
function missing(field: string): { ok: false; before?: undefined; after?: undefined; failure: SalesforceFailure } {
  return {
    ok: false,
    failure: {
      code: 'SalesforceRequestFailed',
      message: 'Salesforce returned no result for these entitlements',
      fields: [field],
      retriable: true,
    },
  };
}
