import { DEFAULT_ACCESS_ROLE_ID, type GraphSim } from '@provision/graph-sim';
import type { SalesforceSim } from '@provision/salesforce-sim';
import type { OrgUser, TenantAssignment, TenantUser, TenantView } from './oracle.ts';

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The tenant as the oracle reads it, from the simulator's own state (not through the pipeline). */
export function readTenant(graph: GraphSim): TenantView {
  const { tenant } = graph;
  const users: TenantUser[] = [...tenant.users.objects.values()].map((o) => ({
    id: o.id,
    upn: String(o.props['userPrincipalName']),
    givenName: text(o.props['givenName']),
    surname: text(o.props['surname']),
    mail: text(o.props['mail']),
    accountEnabled: o.props['accountEnabled'] !== false,
    softDeleted: o.deletedDateTime !== null,
  }));
  const groups = [...tenant.groups.objects.values()]
    .filter((g) => g.deletedDateTime === null)
    .map((g) => ({ id: g.id, name: String(g.props['displayName'] ?? g.id), members: [...(g.members ?? [])] }));
  const roles = new Map(tenant.application.appRoles.map((r) => [r.id, r.value]));
  const assignments: TenantAssignment[] = [...tenant.visibleAssignments()].map((a) => ({
    principalId: a.principalId,
    principalType: a.principalType,
    role: a.appRoleId === DEFAULT_ACCESS_ROLE_ID ? null : (roles.get(a.appRoleId) ?? null),
  }));
  return { users, groups, assignments };
}

/** The org's users as its admin sees them (profile by name; a pending email change included). */
export function readOrg(salesforce: SalesforceSim): OrgUser[] {
  const { admin, orgId } = salesforce;
  const profiles = new Map(admin.summary(orgId).profiles.map((p) => [p.id, p.name]));
  return admin.users(orgId).map((u) => ({
    id: String(u['Id']),
    username: String(u['Username']),
    email: text(u['Email']),
    pendingEmail: u.pendingEmail,
    firstName: text(u['FirstName']),
    lastName: text(u['LastName']),
    isActive: u['IsActive'] === true,
    profile: profiles.get(String(u['ProfileId'])) ?? null,
  }));
}

/** The org's profiles of the Chatter Free user licence (no user of another licence moves to them). */
export function chatterFreeProfiles(salesforce: SalesforceSim): Set<string> {
  const { admin, orgId } = salesforce;
  return new Set(
    admin
      .summary(orgId)
      .profiles.filter((p) => p.licence === 'Chatter Free')
      .map((p) => p.name),
  );
}
