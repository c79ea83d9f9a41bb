import { salesforceAppRoles } from './seed.ts';
import { Tenant } from './tenant/tenant.ts';

/** A small tenant for unit tests (not exported from the package). */
export function testTenant(): Tenant {
  return new Tenant({
    tenantId: '11111111-1111-4111-8111-111111111111',
    domain: 'contoso.example',
    application: { id: 'app', appId: 'app-id', displayName: 'Salesforce', appRoles: salesforceAppRoles() },
    servicePrincipal: { id: 'sp', appId: 'app-id', displayName: 'Salesforce', appRoleAssignmentRequired: true },
  });
}
