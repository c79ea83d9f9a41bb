import type {
  AssignPermissionSetsOptions,
  EntitlementStep,
  EntitlementStepResult,
  SalesforceGateway,
} from './types.ts';

type Assigners = Pick<
  SalesforceGateway,
  'assignPermissionSets' | 'assignPermissionSetGroups' | 'assignPermissionSetLicenses' | 'assignGroupMemberships'
>;

/** `assignEntitlements` the plain way: each step through its own assign… method, one after the other. */
export async function assignEntitlementsInTurn(
  gateway: Assigners,
  steps: readonly EntitlementStep[],
  options: AssignPermissionSetsOptions = {},
): Promise<EntitlementStepResult[]> {
  const results: EntitlementStepResult[] = [];
  for (const step of steps) {
    switch (step.kind) {
      case 'permissionSets':
        results.push(await gateway.assignPermissionSets(step.changes, options));
        break;
      case 'permissionSetGroups':
        results.push(await gateway.assignPermissionSetGroups(step.changes, options));
        break;
      case 'permissionSetLicenses':
        results.push(await gateway.assignPermissionSetLicenses(step.changes, options));
        break;
      case 'groupMemberships':
        results.push(await gateway.assignGroupMemberships(step.changes, options));
        break;
    }
  }
  return results;
}
