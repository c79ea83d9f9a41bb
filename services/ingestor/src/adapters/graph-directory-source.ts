import type { Client } from '@microsoft/microsoft-graph-client';
import {
  DEFAULT_USER_SELECT,
  type DirectoryReader,
  GraphAppRoleAssignments,
  GraphDirectoryReader,
  type GroupChange,
  graphFailure,
  type UserChange,
} from '@provision/graph';
import { interner } from '../domain/interner.ts';
import type {
  AppRole,
  Assignment,
  DeltaPage,
  DirectorySource,
  GroupDelta,
  MemberDelta,
  UserDelta,
} from '../domain/ports.ts';

export interface GraphDirectorySourceOptions {
  readonly client: Client;
  readonly servicePrincipalId: string;
  /** Where memberships come from when Graph has no `memberOf` for a user (the simulator). */
  readonly fallbackUserGroups?: (userId: string) => Promise<readonly string[]>;
}

/** `DirectorySource` over `@provision/graph`: users and groups delta, `appRoleAssignedTo`, app roles. */
export class GraphDirectorySource implements DirectorySource {
  readonly #client: Client;
  readonly #reader: DirectoryReader;
  readonly #assignments: GraphAppRoleAssignments;
  readonly #servicePrincipalId: string;
  readonly #fallbackUserGroups: ((userId: string) => Promise<readonly string[]>) | undefined;
  // A round holds every assignment of the app (30,000 at 100,000 users): one copy per role id.
  readonly #roleId = interner();

  constructor(options: GraphDirectorySourceOptions) {
    this.#client = options.client;
    this.#reader = new GraphDirectoryReader(options.client);
    this.#assignments = new GraphAppRoleAssignments(options.client, options.servicePrincipalId);
    this.#servicePrincipalId = options.servicePrincipalId;
    this.#fallbackUserGroups = options.fallbackUserGroups;
  }

  async *usersDelta(cursor: string | undefined): AsyncIterable<DeltaPage<UserDelta>> {
    for await (const page of this.#reader.users(cursor === undefined ? {} : { cursor })) {
      yield { items: page.changes.map(toUserDelta), ...(page.cursor ? { deltaLink: page.cursor } : {}) };
    }
  }

  async *groupsDelta(cursor: string | undefined): AsyncIterable<DeltaPage<GroupDelta>> {
    for await (const page of this.#reader.groups(cursor === undefined ? {} : { cursor })) {
      yield { items: page.changes.map(toGroupDelta), ...(page.cursor ? { deltaLink: page.cursor } : {}) };
    }
  }

  async *assignments(): AsyncIterable<readonly Assignment[]> {
    for await (const page of this.#assignments.list()) {
      yield page.map((a) => ({
        id: a.id,
        principalId: a.principalId.toLowerCase(),
        principalType: a.principalType,
        appRoleId: this.#roleId(a.appRoleId),
      }));
    }
  }

  async appRoles(): Promise<readonly AppRole[]> {
    try {
      const sp = (await this.#client
        .api(`/servicePrincipals/${this.#servicePrincipalId}`)
        .select('id,appRoles')
        .get()) as { appRoles?: { id: string; value?: string | null }[] };
      return (sp.appRoles ?? []).map((role) => ({ id: role.id, value: role.value ?? null }));
    } catch (error) {
      throw graphFailure(error, 'reading the application roles');
    }
  }

  async user(id: string): Promise<Readonly<Record<string, unknown>> | undefined> {
    try {
      const user = (await this.#client
        .api(`/users/${id}`)
        .select([...DEFAULT_USER_SELECT])
        .get()) as Record<string, unknown>;
      const { id: _id, '@odata.context': _context, ...attributes } = user;
      return attributes;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw graphFailure(error, `reading user ${id}`);
    }
  }

  async isDeleted(id: string): Promise<boolean> {
    try {
      await this.#client.api(`/directory/deletedItems/${id}`).select('id').get();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw graphFailure(error, `reading deleted item ${id}`);
    }
  }

  async userGroups(id: string): Promise<readonly string[]> {
    const groups: string[] = [];
    try {
      let request = this.#client.api(`/users/${id}/memberOf/microsoft.graph.group`).select('id').top(999);
      for (;;) {
        const page = (await request.get()) as { value?: { id: string }[]; '@odata.nextLink'?: string };
        for (const group of page.value ?? []) groups.push(group.id.toLowerCase());
        const next = page['@odata.nextLink'];
        if (!next) return groups;
        request = this.#client.api(next);
      }
    } catch (error) {
      const status = statusOf(error);
      if ((status === 404 || status === 400) && this.#fallbackUserGroups) return this.#fallbackUserGroups(id);
      throw graphFailure(error, `reading the groups of user ${id}`);
    }
  }
}

function toUserDelta(change: UserChange): UserDelta {
  if (change.kind === 'removed') return { id: change.id.toLowerCase(), removed: change.reason, attributes: {} };
  const { id: _id, ...attributes } = change.user;
  return { id: change.id.toLowerCase(), attributes };
}

function toGroupDelta(change: GroupChange): GroupDelta {
  if (change.kind === 'removed') return { id: change.id.toLowerCase(), removed: change.reason, members: [] };
  const members: MemberDelta[] = [
    ...change.membersAdded.map((m) => ({ id: m.id.toLowerCase(), kind: m.type, removed: false })),
    ...change.membersRemoved.map((m) => ({ id: m.id.toLowerCase(), kind: m.type, removed: true })),
  ];
  return { id: change.id.toLowerCase(), members };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
