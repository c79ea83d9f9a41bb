import { SalesforceGatewayError } from './gateway-error.ts';
import { flatten } from './records.ts';
import { soqlString } from './soql.ts';
import type { ConnectionReport } from './types.ts';

/** What checkConnection needs from a gateway: a way to log in and a way to query. */
export interface ConnectionCheckDeps {
  readonly loginUrl: string;
  connect(): Promise<{ userId: string; orgId: string; instanceUrl: string }>;
  query(soql: string): Promise<Record<string, unknown>[]>;
}

/**
 * Entra's "Test connection", named item by item: the org is reachable, the credentials are valid,
 * the API is enabled for the org and the user, and the user holds Manage Users (reference §1.1).
 */
export async function checkConnection(deps: ConnectionCheckDeps): Promise<ConnectionReport> {
  const missing: string[] = [];
  const notes: string[] = [];
  let session: Awaited<ReturnType<ConnectionCheckDeps['connect']>>;
  try {
    session = await deps.connect();
  } catch (error) {
    const e = SalesforceGatewayError.from(error).salesforce;
    const reachable = e.code !== 'SalesforceNetworkError';
    const credentialsValid = reachable && e.code !== 'SalesforceAuthenticationFailed';
    const apiEnabled = credentialsValid && e.code !== 'SalesforceApiDisabled';
    if (!reachable) missing.push(`Salesforce is not reachable at ${deps.loginUrl}: ${e.message}`);
    else if (!credentialsValid) missing.push(`Valid credentials: ${e.message}`);
    else if (!apiEnabled)
      missing.push(`API access ("API Enabled" on the profile, and an edition with API access): ${e.message}`);
    else missing.push(`A working connection: ${e.message}`);
    return {
      ok: false,
      reachable,
      credentialsValid,
      apiEnabled,
      manageUsers: false,
      manageUsersOnProfile: false,
      missing,
      notes,
      error: e,
    };
  }
  const base = { reachable: true, credentialsValid: true, orgId: session.orgId, instanceUrl: session.instanceUrl };
  try {
    const [me] = await deps.query(
      'SELECT Id, Username, Profile.Name, Profile.PermissionsApiEnabled, Profile.PermissionsManageUsers ' +
        `FROM User WHERE Id = ${soqlString(session.userId)}`,
    );
    const sets = await deps.query(
      'SELECT PermissionSet.Name, PermissionSet.PermissionsManageUsers FROM PermissionSetAssignment ' +
        `WHERE AssigneeId = ${soqlString(session.userId)} AND PermissionSet.IsOwnedByProfile = false`,
    );
    const f = flatten(me ?? {});
    const username = String(f['Username'] ?? '');
    const profileName = (f['Profile.Name'] as string | undefined) ?? null;
    const manageUsersOnProfile = f['Profile.PermissionsManageUsers'] === true;
    const viaSets = sets
      .map((s) => flatten(s))
      .filter((s) => s['PermissionSet.PermissionsManageUsers'] === true)
      .map((s) => String(s['PermissionSet.Name']));
    const manageUsers = manageUsersOnProfile || viaSets.length > 0;
    if (!manageUsers) missing.push(`"Manage Users" for ${username}: grant it on the profile '${profileName}'`);
    if (!manageUsersOnProfile && viaSets.length > 0) {
      notes.push(
        `"Manage Users" comes from permission set ${viaSets.join(', ')}; Entra's connector asks for it on the profile '${profileName}'`,
      );
    }
    return {
      ok: manageUsers,
      ...base,
      apiEnabled: true,
      manageUsers,
      manageUsersOnProfile,
      user: { id: session.userId, username, profileName },
      missing,
      notes,
    };
  } catch (error) {
    const e = SalesforceGatewayError.from(error).salesforce;
    const apiEnabled = e.code !== 'SalesforceApiDisabled';
    missing.push(
      apiEnabled
        ? `Reading the integration user's permissions: ${e.message}`
        : `API access ("API Enabled" on the profile): ${e.message}`,
    );
    return {
      ok: false,
      ...base,
      apiEnabled,
      manageUsers: false,
      manageUsersOnProfile: false,
      missing,
      notes,
      error: e,
    };
  }
}
