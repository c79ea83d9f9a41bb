import type { Client } from '@microsoft/microsoft-graph-client';
import { graphFailure } from './errors.ts';
import type {
  DeltaCursor,
  DeltaPage,
  DeltaReadOptions,
  DirectoryReader,
  GroupChange,
  MemberRef,
  Removal,
  UserChange,
} from './types.ts';

/** The user properties Provision tracks by default: what the Salesforce mapping can use. */
export const DEFAULT_USER_SELECT: readonly string[] = [
  'id',
  'userPrincipalName',
  'mail',
  'mailNickname',
  'givenName',
  'surname',
  'displayName',
  'accountEnabled',
  'department',
  'jobTitle',
  'companyName',
  'employeeId',
  'preferredLanguage',
  'usageLocation',
  'city',
  'country',
  'mobilePhone',
  'businessPhones',
  'onPremisesExtensionAttributes',
];

export const DEFAULT_GROUP_SELECT: readonly string[] = [
  'id',
  'displayName',
  'description',
  'mailNickname',
  'securityEnabled',
  'mailEnabled',
  'groupTypes',
  'members',
];

interface DeltaResponse {
  value?: Record<string, unknown>[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/** `DirectoryReader` over Graph's `users/delta` and `groups/delta`, one page in memory at a time. */
export class GraphDirectoryReader implements DirectoryReader {
  readonly #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  users(options: DeltaReadOptions = {}): AsyncIterable<DeltaPage<UserChange>> {
    return this.#round('users', options.select ?? DEFAULT_USER_SELECT, options, (item) => {
      const removal = toRemoval(item);
      if (removal) return removal;
      const id = String(item['id']);
      return { kind: 'upsert', id, user: { ...item, id } };
    });
  }

  groups(options: DeltaReadOptions = {}): AsyncIterable<DeltaPage<GroupChange>> {
    const select = options.select ?? DEFAULT_GROUP_SELECT;
    const withMembers = select.includes('members') ? select : [...select, 'members'];
    return this.#round('groups', withMembers, options, (item) => {
      const removal = toRemoval(item);
      if (removal) return removal;
      const id = String(item['id']);
      const { 'members@delta': members, ...group } = item;
      const added: MemberRef[] = [];
      const removed: MemberRef[] = [];
      for (const member of Array.isArray(members) ? (members as Record<string, unknown>[]) : []) {
        (member['@removed'] ? removed : added).push(memberRef(member));
      }
      return { kind: 'upsert', id, group: { ...group, id }, membersAdded: added, membersRemoved: removed };
    });
  }

  async latestCursor(kind: 'users' | 'groups', select?: readonly string[]): Promise<DeltaCursor> {
    const fields = select ?? (kind === 'users' ? DEFAULT_USER_SELECT : DEFAULT_GROUP_SELECT);
    try {
      const response = (await this.#client
        .api(`/${kind}/delta`)
        .query({ $deltatoken: 'latest' })
        .select([...fields])
        .get()) as DeltaResponse;
      const link = response['@odata.deltaLink'];
      if (!link) throw new Error('Graph answered $deltatoken=latest without an @odata.deltaLink');
      return link;
    } catch (error) {
      throw graphFailure(error, `reading the latest ${kind} delta cursor`);
    }
  }

  async *#round<T>(
    kind: 'users' | 'groups',
    select: readonly string[],
    options: DeltaReadOptions,
    convert: (item: Record<string, unknown>) => T,
  ): AsyncGenerator<DeltaPage<T>> {
    const fullSync = options.cursor === undefined;
    // Query options go on the first request only; Graph folds them into the nextLink/deltaLink tokens.
    let request = fullSync ? this.#client.api(`/${kind}/delta`).select([...select]) : this.#client.api(options.cursor);
    for (;;) {
      if (options.minimal) request = request.header('Prefer', 'return=minimal');
      let response: DeltaResponse;
      try {
        response = (await request.get()) as DeltaResponse;
      } catch (error) {
        throw graphFailure(error, `reading ${kind} delta`);
      }
      const changes = (response.value ?? []).map(convert);
      const deltaLink = response['@odata.deltaLink'];
      const nextLink = response['@odata.nextLink'];
      if (deltaLink) {
        yield { changes, cursor: deltaLink, fullSync };
        return;
      }
      if (!nextLink)
        throw graphFailure(
          new Error('a delta page had neither @odata.nextLink nor @odata.deltaLink'),
          `reading ${kind} delta`,
        );
      yield { changes, fullSync };
      request = this.#client.api(nextLink);
    }
  }
}

function toRemoval(item: Record<string, unknown>): Removal | undefined {
  const removed = item['@removed'] as { reason?: string } | undefined;
  if (!removed) return undefined;
  return { kind: 'removed', id: String(item['id']), reason: removed.reason === 'changed' ? 'changed' : 'deleted' };
}

function memberRef(member: Record<string, unknown>): MemberRef {
  const type = String(member['@odata.type'] ?? '').toLowerCase();
  return {
    id: String(member['id']),
    type: type.endsWith('.user') ? 'user' : type.endsWith('.group') ? 'group' : 'other',
  };
}
