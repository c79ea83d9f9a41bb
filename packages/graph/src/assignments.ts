import type { Client } from '@microsoft/microsoft-graph-client';
import { graphFailure } from './errors.ts';
import type { AppRoleAssignment, AppRoleAssignments } from './types.ts';

/** The app role id of an assignment without a specific role ("Default Access" in the Entra portal). */
export const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000';

interface Page {
  value?: Record<string, unknown>[];
  '@odata.nextLink'?: string;
}

/** `appRoleAssignedTo` of one service principal (the Salesforce enterprise application). */
export class GraphAppRoleAssignments implements AppRoleAssignments {
  readonly #client: Client;
  readonly #servicePrincipalId: string;

  constructor(client: Client, servicePrincipalId: string) {
    this.#client = client;
    this.#servicePrincipalId = servicePrincipalId;
  }

  async *list(options: { pageSize?: number } = {}): AsyncIterable<readonly AppRoleAssignment[]> {
    let request = this.#client
      .api(`/servicePrincipals/${this.#servicePrincipalId}/appRoleAssignedTo`)
      .top(options.pageSize ?? 999);
    for (;;) {
      let page: Page;
      try {
        page = (await request.get()) as Page;
      } catch (error) {
        throw graphFailure(error, 'listing app role assignments');
      }
      yield (page.value ?? []).map(toAssignment);
      const next = page['@odata.nextLink'];
      if (!next) return;
      request = this.#client.api(next);
    }
  }

  async assign(principalId: string, appRoleId: string): Promise<AppRoleAssignment> {
    try {
      const created = (await this.#client
        .api(`/servicePrincipals/${this.#servicePrincipalId}/appRoleAssignedTo`)
        .post({ principalId, resourceId: this.#servicePrincipalId, appRoleId })) as Record<string, unknown>;
      return toAssignment(created);
    } catch (error) {
      throw graphFailure(error, `assigning ${principalId} to app role ${appRoleId}`);
    }
  }

  async remove(assignmentId: string): Promise<void> {
    try {
      await this.#client
        .api(`/servicePrincipals/${this.#servicePrincipalId}/appRoleAssignedTo/${assignmentId}`)
        .delete();
    } catch (error) {
      throw graphFailure(error, `removing app role assignment ${assignmentId}`);
    }
  }
}

function toAssignment(raw: Record<string, unknown>): AppRoleAssignment {
  const text = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : null);
  return {
    id: String(raw['id']),
    appRoleId: String(raw['appRoleId']),
    principalId: String(raw['principalId']),
    principalType: (text('principalType') ?? 'User') as AppRoleAssignment['principalType'],
    principalDisplayName: text('principalDisplayName'),
    resourceId: String(raw['resourceId']),
    createdDateTime: text('createdDateTime'),
  };
}
