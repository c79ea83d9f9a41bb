import type { Connection } from 'jsforce/lib/core.js';
import { type RowsClient, readRows } from './assignment-rows.ts';
import { DEFAULT_API_VERSION, type SalesforceConnectionOptions } from './auth.ts';
import { classifySalesforceError, salesforceError } from './classify.ts';
import { checkConnection } from './connection-check.ts';
import {
  FEATURE_LICENSE_QUERY,
  type FeatureLicenseCount,
  featureLicenseCounts,
  licenceHoldersQuery,
  withLiveAssigned,
} from './feature-licences.ts';
import { SalesforceGatewayError } from './gateway-error.ts';
import { assignGroupMemberships, groupMemberKind, membershipsOf } from './group-memberships.ts';
import { JsforceSession } from './jsforce-session.ts';
import { NameLists } from './name-lists.ts';
import { permissionSetGroupKind } from './permission-set-groups.ts';
import { permissionSetLicenseKind } from './permission-set-licences.ts';
import { assignNames, assignPermissionSets, permissionSetKind } from './permission-sets.ts';
import { flatten } from './records.ts';
import { chunkInQueries, isFieldPath } from './soql.ts';
import { StagedRows } from './staged-rows.ts';
import type {
  ApiUsage,
  AssignPermissionSetsOptions,
  ConnectionReport,
  DeactivateOptions,
  EntitlementStep,
  EntitlementStepResult,
  FoundSalesforceUser,
  GroupMembershipChange,
  GroupMembershipResult,
  GroupMemberships,
  PermissionSetChange,
  PermissionSetResult,
  SalesforceError,
  SalesforceGateway,
  SalesforceProfile,
  SalesforceUserInput,
  SalesforceUserUpdate,
  WriteResult,
} from './types.ts';
import { toWriteResult } from './write-results.ts';

/** User fields `findUsers` returns by default: the Entra connector's mapped fields and what matching needs. */
export const DEFAULT_USER_FIELDS: readonly string[] = [
  'Id',
  'Username',
  'Email',
  'Alias',
  'FirstName',
  'LastName',
  'CommunityNickname',
  'IsActive',
  'ProfileId',
  'Profile.Name',
  'UserRoleId',
  'TimeZoneSidKey',
  'LocaleSidKey',
  'EmailEncodingKey',
  'LanguageLocaleKey',
  'FederationIdentifier',
  'Title',
  'Department',
  'CompanyName',
  'UserPermissionsMarketingUser',
  'UserPermissionsOfflineUser',
  'UserPermissionsCallCenterAutoLogin',
];

/**
 * Query and sObject Collections subrequests in one Composite call: Salesforce takes up to 25
 * subrequests, "up to 5" of them queries or Collections. The whole call counts as one API request.
 */
const COMPOSITE_HEAVY = 5;
/** Collections subrequests in Composite need API 43.0. */
const COMPOSITE_COLLECTIONS_SINCE = 43;
/** Encoded length of one statement inside a Composite subrequest (SOQL allows 100,000 characters). */
const COMPOSITE_QUERY_LENGTH = 90_000;

interface QueryPage {
  done: boolean;
  nextRecordsUrl?: string;
  records: Rec[];
}
interface CompositeAnswer {
  compositeResponse: { body: unknown; httpStatusCode: number; referenceId: string }[];
}
/** One Collections call's answer inside a Composite call: its SaveResults, or why it failed as a whole. */
type CollectionAnswer = { readonly saved: unknown[] } | { readonly failed: SalesforceError };
/** One Collections call: records to insert or update (each with `attributes.type`), or ids to delete. */
type CollectionCall =
  | { readonly method: 'POST' | 'PATCH'; readonly records: readonly Rec[] }
  | { readonly method: 'DELETE'; readonly ids: readonly string[] };

function isClassified(value: unknown): value is SalesforceError {
  return typeof value === 'object' && value !== null && 'code' in value && 'retriable' in value && 'fields' in value;
}
const MAX_BATCH = 200;

type Rec = Record<string, unknown>;

function uniqueFields(fields: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const f of fields) {
    if (!isFieldPath(f)) throw new RangeError(`'${f}' is not a SOQL field name`);
    if (!seen.has(f.toLowerCase())) seen.set(f.toLowerCase(), f);
  }
  return [...seen.values()];
}

/**
 * The SalesforceGateway on jsforce 3: the operations, over a `JsforceSession` that logs in lazily
 * (SOAP password + token, JWT bearer or client credentials), re-authenticates when a session expires
 * and counts every HTTP request; writes go in batches through sObject Collections.
 */
export class JsforceSalesforceGateway implements SalesforceGateway {
  readonly #options: SalesforceConnectionOptions;
  readonly #session: JsforceSession;
  readonly #batchSize: number;
  /** Collections calls per API request: up to 5 as subrequests of one Composite call. */
  readonly #collectionsPerCall: number;
  readonly #version: string;
  readonly #maxQueryLength: number;
  readonly #names: NameLists;

  constructor(options: SalesforceConnectionOptions) {
    this.#options = options;
    this.#session = new JsforceSession(options);
    this.#batchSize = Math.min(MAX_BATCH, Math.max(1, options.batchSize ?? MAX_BATCH));
    this.#version = options.version ?? DEFAULT_API_VERSION;
    this.#collectionsPerCall = Number.parseFloat(this.#version) >= COMPOSITE_COLLECTIONS_SINCE ? COMPOSITE_HEAVY : 1;
    this.#maxQueryLength = options.maxQueryLength ?? 12_000;
    this.#names = new NameLists({ query: (soql) => this.#queryAll(soql), listProfiles: () => this.listProfiles() });
  }

  /** The login URL in use. */
  get loginUrl(): string {
    return this.#session.loginUrl;
  }

  usage(): ApiUsage {
    return this.#session.usage();
  }

  close(): Promise<void> {
    return this.#session.close();
  }

  #connection(): Promise<Connection> {
    return this.#session.connection();
  }

  async #queryAll(soql: string): Promise<Rec[]> {
    const conn = await this.#connection();
    try {
      const records: Rec[] = [];
      let page = await conn.query<Rec>(soql);
      records.push(...page.records);
      while (!page.done && page.nextRecordsUrl) {
        page = await conn.queryMore<Rec>(page.nextRecordsUrl);
        records.push(...page.records);
      }
      return records;
    } catch (error) {
      throw SalesforceGatewayError.from(error);
    }
  }

  /** Runs statements as GET query subrequests of Composite calls, following nextRecordsUrl. */
  async #compositeQueries(statements: readonly string[]): Promise<Rec[]> {
    const rows: Rec[] = [];
    for (const answer of await this.#compositeStatements(statements)) {
      if (answer instanceof Error) throw answer;
      rows.push(...answer);
    }
    return rows;
  }

  /**
   * Each statement's rows, or why it failed: GET query subrequests, five to a Composite call, each
   * followed through nextRecordsUrl. A call that fails as a whole fails its statements.
   */
  async #compositeStatements(statements: readonly string[]): Promise<(Rec[] | SalesforceGatewayError)[]> {
    const out: (Rec[] | SalesforceGatewayError)[] = [];
    let conn: Connection;
    try {
      conn = await this.#connection();
    } catch (error) {
      const failed = SalesforceGatewayError.from(error);
      return statements.map(() => failed);
    }
    for (let start = 0; start < statements.length; start += COMPOSITE_HEAVY) {
      const slice = statements.slice(start, start + COMPOSITE_HEAVY);
      const compositeRequest = slice.map((soql, i) => ({
        method: 'GET',
        url: `/services/data/v${this.#version}/query?q=${encodeURIComponent(soql)}`,
        referenceId: `q${start + i}`,
      }));
      let answer: CompositeAnswer;
      try {
        answer = await conn.requestPost<CompositeAnswer>('/composite', { allOrNone: false, compositeRequest });
      } catch (error) {
        const failed = SalesforceGatewayError.from(error);
        out.push(...slice.map(() => failed));
        continue;
      }
      for (const [i] of slice.entries()) {
        const sub = answer.compositeResponse.find((r) => r.referenceId === `q${start + i}`);
        if (!sub || sub.httpStatusCode >= 400) {
          const error = sub
            ? classifySalesforceError(sub.body)
            : salesforceError('SalesforceUnknown', 'Salesforce gave no answer to this query');
          out.push(new SalesforceGatewayError(error));
          continue;
        }
        try {
          const rows: Rec[] = [];
          let page = sub.body as QueryPage;
          rows.push(...page.records);
          while (!page.done && page.nextRecordsUrl) {
            page = await conn.queryMore<Rec>(page.nextRecordsUrl);
            rows.push(...page.records);
          }
          out.push(rows);
        } catch (error) {
          out.push(SalesforceGatewayError.from(error));
        }
      }
    }
    return out;
  }

  /** `prefix WHERE field IN (values)`: one GET when it fits in a URI, else Composite query subrequests. */
  async #queryIn(prefix: string, field: string, values: readonly string[]): Promise<Rec[]> {
    const statements = chunkInQueries(prefix, field, values, this.#maxQueryLength);
    if (statements.length === 0) return [];
    // One URI holds at most 16 KB, so long lists go as query subrequests of Composite calls
    // (5 statements of up to ~100,000 characters per call), as Salesforce KB 000386264 advises.
    return statements.length === 1
      ? this.#queryAll(statements[0]!)
      : this.#compositeQueries(chunkInQueries(prefix, field, values, COMPOSITE_QUERY_LENGTH));
  }

  async listProfiles(): Promise<SalesforceProfile[]> {
    const rows = await this.#queryAll(
      'SELECT Id, Name, UserType, UserLicense.Name, UserLicense.TotalLicenses, UserLicense.UsedLicenses FROM Profile ORDER BY Name',
    );
    const profiles = rows.map((row): SalesforceProfile => {
      const r = flatten(row);
      const total = Number(r['UserLicense.TotalLicenses'] ?? 0);
      const used = Number(r['UserLicense.UsedLicenses'] ?? 0);
      return {
        id: String(r['Id']),
        name: String(r['Name']),
        userLicense: String(r['UserLicense.Name'] ?? ''),
        userType: (r['UserType'] as string | null | undefined) ?? null,
        licencesTotal: total,
        licencesUsed: used,
        licencesRemaining: Math.max(0, total - used),
      };
    });
    this.#names.rememberProfiles(profiles);
    return profiles;
  }

  async findUsers(
    matchingAttribute: string,
    values: readonly string[],
    options: { readonly fields?: readonly string[] } = {},
  ): Promise<FoundSalesforceUser[]> {
    if (!isFieldPath(matchingAttribute)) throw new RangeError(`'${matchingAttribute}' is not a SOQL field name`);
    const wanted = values.filter((v) => typeof v === 'string' && v !== '');
    if (wanted.length === 0) return [];
    const fields = uniqueFields([...DEFAULT_USER_FIELDS, ...(options.fields ?? []), matchingAttribute]);
    const rows = await this.#queryIn(`SELECT ${fields.join(', ')} FROM User`, matchingAttribute, wanted);
    return rows.map(foundUser);
  }

  async findUsersEach(
    lookups: readonly { readonly attribute: string; readonly values: readonly string[] }[],
    options: { readonly fields?: readonly string[] } = {},
  ): Promise<FoundSalesforceUser[][]> {
    for (const { attribute } of lookups) {
      if (!isFieldPath(attribute)) throw new RangeError(`'${attribute}' is not a SOQL field name`);
    }
    const fields = uniqueFields([
      ...DEFAULT_USER_FIELDS,
      ...(options.fields ?? []),
      ...lookups.map((l) => l.attribute),
    ]);
    const queries = lookups.map(({ attribute, values }) => ({
      prefix: `SELECT ${fields.join(', ')} FROM User`,
      field: attribute,
      values: values.filter((v) => typeof v === 'string' && v !== ''),
    }));
    const asked = queries.filter((q) => q.values.length > 0);
    const answers = asked.length === 0 ? [] : await this.#queryEach(asked);
    const failed = answers.find((a) => a instanceof Error);
    if (failed) throw failed;
    return queries.map((q) => (q.values.length === 0 ? [] : (answers[asked.indexOf(q)] as Rec[]).map(foundUser)));
  }

  /**
   * Active users that carry a value in the link field (the Entra object id Provision wrote): the
   * users Provision provisioned, whatever its memory says. Paged through queryMore.
   */
  async linkedActiveUsers(linkField: string): Promise<{ id: string; username: string; link: string }[]> {
    if (!isFieldPath(linkField)) throw new RangeError(`'${linkField}' is not a SOQL field name`);
    const rows = await this.#queryAll(
      `SELECT Id, Username, ${linkField} FROM User WHERE IsActive = true AND ${linkField} != null`,
    );
    return rows.map((row) => {
      const f = flatten(row);
      return { id: String(f['Id']), username: String(f['Username']), link: String(f[linkField]) };
    });
  }

  async #write(
    kind: 'create' | 'update',
    records: readonly SalesforceUserInput[],
    type = 'User',
  ): Promise<WriteResult[]> {
    if (records.length === 0) return [];
    let resolved: (Rec | SalesforceError)[];
    try {
      resolved = type === 'User' ? await this.#names.resolveUserNames(records) : records.map((r) => ({ ...r }));
    } catch (error) {
      // The profile or role list could not be read: every record fails with that request's error.
      const classified = SalesforceGatewayError.from(error).salesforce;
      return records.map((r) => ({ ok: false, error: classified, errors: [classified], ...idOf(r) }));
    }
    // An update without an Id would make jsforce throw for the whole call; fail just that record.
    const prepared = resolved.map((p) =>
      kind === 'update' && !isClassified(p) && (typeof p['Id'] !== 'string' || p['Id'] === '')
        ? salesforceError('SalesforceInvalidValue', 'Id not specified in an update call', ['Id'])
        : p,
    );
    const results: (WriteResult | undefined)[] = prepared.map((p, i) =>
      isClassified(p)
        ? { ok: false, error: p as SalesforceError, errors: [p as SalesforceError], ...idOf(records[i]) }
        : undefined,
    );
    const pending = prepared.flatMap((p, i) => (results[i] ? [] : [{ index: i, record: p as Rec }]));
    let conn: Connection;
    try {
      conn = await this.#connection();
    } catch (error) {
      const classified = SalesforceGatewayError.from(error).salesforce;
      for (const p of pending)
        results[p.index] = { ok: false, error: classified, errors: [classified], ...idOf(records[p.index]) };
      return results as WriteResult[];
    }
    // Up to 200 records a Collections call; several such calls go as subrequests of one Composite
    // call (one API request for up to 1,000 records), which Salesforce runs one after the other.
    const calls: { index: number; record: Rec }[][] = [];
    for (let start = 0; start < pending.length; start += this.#batchSize)
      calls.push(pending.slice(start, start + this.#batchSize));
    for (let start = 0; start < calls.length; start += this.#collectionsPerCall) {
      const group = calls.slice(start, start + this.#collectionsPerCall);
      let answers: CollectionAnswer[];
      try {
        answers =
          group.length === 1
            ? [
                {
                  saved: await this.#collection(
                    conn,
                    kind,
                    type,
                    group[0]!.map((p) => p.record),
                  ),
                },
              ]
            : await this.#compositeCollections(
                conn,
                group.map((chunk) => ({
                  method: kind === 'create' ? 'POST' : 'PATCH',
                  records: chunk.map((p) => ({ attributes: { type }, ...p.record })),
                })),
              );
      } catch (error) {
        const failed = classifySalesforceError(error);
        answers = group.map(() => ({ failed }));
      }
      group.forEach((chunk, k) => {
        const answer = answers[k]!;
        chunk.forEach((p, i) => {
          results[p.index] =
            'saved' in answer
              ? toWriteResult(answer.saved[i], records[p.index])
              : { ok: false, error: answer.failed, errors: [answer.failed], ...idOf(records[p.index]) };
        });
      });
    }
    if (type === 'User') this.#names.forgetStale(results as WriteResult[]);
    return results as WriteResult[];
  }

  /** One sObject Collections create or update (≤ 200 records), through jsforce. */
  #collection(conn: Connection, kind: 'create' | 'update', type: string, body: Rec[]): Promise<unknown[]> {
    return kind === 'create'
      ? conn.create(type, body, { allOrNone: false })
      : conn.update(type, body as (Rec & { Id: string })[], { allOrNone: false });
  }

  /**
   * Collections calls (records carrying `attributes.type`, or ids to delete) as subrequests of one
   * Composite call, run in order: each answered on its own, a failed one (4xx) failing only its records.
   */
  async #compositeCollections(conn: Connection, calls: readonly CollectionCall[]): Promise<CollectionAnswer[]> {
    const url = `/services/data/v${this.#version}/composite/sobjects`;
    const compositeRequest = calls.map((call, k) =>
      call.method === 'DELETE'
        ? {
            method: 'DELETE',
            url: `${url}?ids=${call.ids.map(encodeURIComponent).join(',')}&allOrNone=false`,
            referenceId: `c${k}`,
          }
        : { method: call.method, url, referenceId: `c${k}`, body: { allOrNone: false, records: call.records } },
    );
    const answer = await conn.requestPost<CompositeAnswer>('/composite', { allOrNone: false, compositeRequest });
    return calls.map((_, k) => {
      const sub = answer.compositeResponse.find((r) => r.referenceId === `c${k}`);
      if (!sub)
        return { failed: salesforceError('SalesforceUnknown', 'Salesforce gave no answer to this Collections call') };
      if (sub.httpStatusCode >= 400 || !Array.isArray(sub.body)) return { failed: classifySalesforceError(sub.body) };
      return { saved: sub.body };
    });
  }

  /**
   * Collections calls of any objects, run in order: alone as a plain call, several as subrequests of
   * Composite calls (five to a call). Each call's SaveResults, or why it failed.
   */
  async #collectionCalls(
    calls: readonly (CollectionCall & { readonly object: string })[],
  ): Promise<CollectionAnswer[]> {
    let conn: Connection;
    try {
      conn = await this.#connection();
    } catch (error) {
      const failed = classifySalesforceError(error);
      return calls.map(() => ({ failed }));
    }
    const answers: CollectionAnswer[] = [];
    for (let start = 0; start < calls.length; start += this.#collectionsPerCall) {
      const group = calls.slice(start, start + this.#collectionsPerCall);
      try {
        if (group.length === 1) {
          const call = group[0]!;
          const saved =
            call.method === 'DELETE'
              ? await conn.destroy(call.object, [...call.ids], { allOrNone: false })
              : await this.#collection(conn, call.method === 'POST' ? 'create' : 'update', call.object, [
                  ...call.records.map(({ attributes: _, ...record }) => record),
                ]);
          answers.push({ saved: saved as unknown[] });
        } else answers.push(...(await this.#compositeCollections(conn, group)));
      } catch (error) {
        const failed = classifySalesforceError(error);
        answers.push(...group.map(() => ({ failed })));
      }
    }
    return answers;
  }

  createUsers(records: readonly SalesforceUserInput[]): Promise<WriteResult[]> {
    return this.#write('create', records);
  }

  updateUsers(records: readonly SalesforceUserUpdate[]): Promise<WriteResult[]> {
    return this.#write('update', records);
  }

  async freezeUsers(ids: readonly string[], frozen: boolean): Promise<WriteResult[]> {
    const byUser = await this.#setFrozen(ids, frozen);
    return ids.map((id): WriteResult => {
      const r = byUser.get(id.slice(0, 15));
      if (r?.ok) return { ok: true, id };
      const error = r ? r.error : salesforceError('SalesforceRecordNotFound', `No UserLogin for user ${id}`);
      return { ok: false, id, error, errors: [error] };
    });
  }

  /** Sets UserLogin.IsFrozen of each user (one query, one collection update), by 15-character user id. */
  async #setFrozen(ids: readonly string[], frozen: boolean): Promise<Map<string, WriteResult>> {
    const byUser = new Map<string, WriteResult>();
    if (ids.length === 0) return byUser;
    let logins: Rec[] = [];
    let failure: SalesforceError | undefined;
    try {
      for (const soql of chunkInQueries('SELECT Id, UserId FROM UserLogin', 'UserId', ids, this.#maxQueryLength)) {
        logins = logins.concat(await this.#queryAll(soql));
      }
    } catch (error) {
      failure = SalesforceGatewayError.from(error).salesforce;
    }
    const loginResults = failure
      ? []
      : await this.#write(
          'update',
          logins.map((l) => ({ Id: String(l['Id']), IsFrozen: frozen })),
          'UserLogin',
        );
    for (const [i, l] of logins.entries()) byUser.set(String(l['UserId']).slice(0, 15), loginResults[i]!);
    if (failure)
      for (const id of ids) byUser.set(id.slice(0, 15), { ok: false, id, error: failure, errors: [failure] });
    return byUser;
  }

  async deactivateUsers(ids: readonly string[], options: DeactivateOptions = {}): Promise<WriteResult[]> {
    // Freeze first: the login stops at once even when deactivation is refused (reference §4.5).
    const frozen = options.freeze ? await this.#setFrozen(ids, true) : new Map<string, WriteResult>();
    const results = await this.updateUsers(ids.map((Id) => ({ Id, IsActive: false })));
    return results.map((r, i) => {
      const freeze = frozen.get(ids[i]!.slice(0, 15));
      if (!options.freeze || !r.ok || freeze?.ok) return r;
      const error = freeze
        ? (freeze as Extract<WriteResult, { ok: false }>).error
        : salesforceError('SalesforceRecordNotFound', `No UserLogin for user ${ids[i]}`);
      return { ok: false, id: ids[i]!, error, errors: [error] };
    });
  }

  /** Collections inserts and deletes of one junction object, and the queries that read it. */
  #rows(object: string): RowsClient {
    return {
      batchSize: this.#batchSize,
      queryIn: (prefix, field, values) => this.#queryIn(prefix, field, values),
      insert: async (records) => {
        const conn = await this.#connection();
        return conn.create(object, [...records], { allOrNone: false });
      },
      remove: async (ids) => {
        const conn = await this.#connection();
        return conn.destroy(object, [...ids], { allOrNone: false });
      },
    };
  }

  readonly #permissionSetKind = permissionSetKind({
    catalogue: (refresh) => this.#names.permissionSets(refresh),
    forget: () => this.#names.forgetPermissionSets(),
  });

  readonly #groupMemberKind = groupMemberKind({
    catalogue: (refresh) => this.#names.groups(refresh),
    forget: () => this.#names.forgetGroups(),
  });

  async assignPermissionSets(
    changes: readonly PermissionSetChange[],
    options: AssignPermissionSetsOptions = {},
  ): Promise<PermissionSetResult[]> {
    return assignPermissionSets(this.#rows('PermissionSetAssignment'), this.#permissionSetKind, changes, options);
  }

  async permissionSetsOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const held = await readRows(this.#rows('PermissionSetAssignment'), this.#permissionSetKind, userIds);
    return new Map([...held].map(([id, names]) => [id, names.sort()]));
  }

  async assignGroupMemberships(
    changes: readonly GroupMembershipChange[],
    options: AssignPermissionSetsOptions = {},
  ): Promise<GroupMembershipResult[]> {
    return assignGroupMemberships(this.#rows('GroupMember'), this.#groupMemberKind, changes, options);
  }

  async assignEntitlements(
    steps: readonly EntitlementStep[],
    options: AssignPermissionSetsOptions = {},
  ): Promise<EntitlementStepResult[]> {
    const stage = new StagedRows({
      queryEach: (queries) => this.#queryEach(queries),
      writeEach: async (writes) => {
        const calls = writes.flatMap((w, owner): (CollectionCall & { object: string; owner: number })[] =>
          w.kind === 'insert'
            ? chunks(w.records, this.#batchSize).map((records) => ({
                owner,
                object: w.object,
                method: 'POST',
                records: records.map((r) => ({ attributes: { type: w.object }, ...r })),
              }))
            : chunks(w.ids, this.#batchSize).map((ids) => ({ owner, object: w.object, method: 'DELETE', ids })),
        );
        const answers = await this.#collectionCalls(calls);
        return writes.map((_, owner) => {
          const mine = answers.filter((_, i) => calls[i]!.owner === owner);
          const failed = mine.find((a) => 'failed' in a);
          // A call of the step that failed fails the whole step's write (what did go in is found held on a retry).
          if (failed && 'failed' in failed) return new SalesforceGatewayError(failed.failed);
          return mine.flatMap((a) => ('saved' in a ? a.saved : []));
        });
      },
    });
    return stage.run<EntitlementStepResult>(
      steps.map((step) => (client: (object: string) => RowsClient): Promise<EntitlementStepResult> => {
        switch (step.kind) {
          case 'permissionSets':
            return assignPermissionSets(
              client('PermissionSetAssignment'),
              this.#permissionSetKind,
              step.changes,
              options,
            );
          case 'permissionSetGroups':
            return assignNames(
              client('PermissionSetAssignment'),
              this.#permissionSetGroupKind,
              step.changes,
              options,
              'SalesforceUnknownPermissionSetGroup',
            );
          case 'permissionSetLicenses':
            return assignNames(
              client('PermissionSetLicenseAssign'),
              this.#permissionSetLicenseKind,
              step.changes,
              options,
              'SalesforceUnknownPermissionSetLicense',
            );
          case 'groupMemberships':
            return assignGroupMemberships(client('GroupMember'), this.#groupMemberKind, step.changes, options);
        }
      }),
    );
  }

  /** Each `prefix WHERE field IN (values)`: one GET when all fits in one URI, else Composite query subrequests. */
  async #queryEach(
    queries: readonly { prefix: string; field: string; values: readonly string[] }[],
  ): Promise<(Rec[] | Error)[]> {
    const statements = queries.flatMap((q, owner) =>
      chunkInQueries(q.prefix, q.field, q.values, COMPOSITE_QUERY_LENGTH).map((soql) => ({ owner, soql })),
    );
    if (statements.length === 1 && statements[0]!.soql.length <= this.#maxQueryLength) {
      try {
        const rows = await this.#queryAll(statements[0]!.soql);
        return queries.map((_, owner) => (owner === statements[0]!.owner ? rows : []));
      } catch (error) {
        const failed = SalesforceGatewayError.from(error);
        return queries.map(() => failed);
      }
    }
    const answers = await this.#compositeStatements(statements.map((s) => s.soql));
    return queries.map((_, owner) => {
      const mine = answers.filter((_, i) => statements[i]!.owner === owner);
      return mine.find((a) => a instanceof Error) ?? mine.flatMap((a) => a as Rec[]);
    });
  }

  async featureLicenseCounts(): Promise<FeatureLicenseCount[]> {
    try {
      const counts = featureLicenseCounts(await this.#queryAll(FEATURE_LICENSE_QUERY));
      if (counts.length === 0) return counts;
      return withLiveAssigned(counts, await this.#queryAll(licenceHoldersQuery(counts.map((c) => c.field))));
    } catch (error) {
      // Before API 52.0 the object does not exist: the limits are unknown, Salesforce's refusal decides.
      if (SalesforceGatewayError.from(error).salesforce.salesforceCode === 'INVALID_TYPE') return [];
      throw error;
    }
  }

  async groupMembershipsOf(userIds: readonly string[]): Promise<Map<string, GroupMemberships>> {
    const held = await readRows(this.#rows('GroupMember'), this.#groupMemberKind, userIds);
    return new Map([...held].map(([id, groups]) => [id, membershipsOf(groups)]));
  }

  readonly #permissionSetGroupKind = permissionSetGroupKind({
    catalogue: (refresh) => this.#names.permissionSetGroups(refresh),
    forget: () => this.#names.forgetCatalogue('permissionSetGroups'),
  });

  readonly #permissionSetLicenseKind = permissionSetLicenseKind({
    catalogue: (refresh) => this.#names.permissionSetLicenses(refresh),
    forget: () => this.#names.forgetCatalogue('permissionSetLicenses'),
  });

  async assignPermissionSetGroups(
    changes: readonly PermissionSetChange[],
    options: AssignPermissionSetsOptions = {},
  ): Promise<PermissionSetResult[]> {
    const rows = this.#rows('PermissionSetAssignment');
    return assignNames(rows, this.#permissionSetGroupKind, changes, options, 'SalesforceUnknownPermissionSetGroup');
  }

  async permissionSetGroupsOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const held = await readRows(this.#rows('PermissionSetAssignment'), this.#permissionSetGroupKind, userIds);
    return new Map([...held].map(([id, names]) => [id, names.sort()]));
  }

  async assignPermissionSetLicenses(
    changes: readonly PermissionSetChange[],
    options: AssignPermissionSetsOptions = {},
  ): Promise<PermissionSetResult[]> {
    const rows = this.#rows('PermissionSetLicenseAssign');
    return assignNames(rows, this.#permissionSetLicenseKind, changes, options, 'SalesforceUnknownPermissionSetLicense');
  }

  async permissionSetLicensesOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const held = await readRows(this.#rows('PermissionSetLicenseAssign'), this.#permissionSetLicenseKind, userIds);
    return new Map([...held].map(([id, names]) => [id, names.sort()]));
  }

  async testConnection(): Promise<ConnectionReport> {
    return checkConnection({
      loginUrl: this.#session.loginUrl,
      connect: async () => {
        const conn = await this.#connection();
        return {
          userId: conn.userInfo?.id ?? '',
          orgId: conn.userInfo?.organizationId ?? '',
          instanceUrl: conn.instanceUrl,
        };
      },
      query: (soql) => this.#queryAll(soql),
    });
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function idOf(record: SalesforceUserInput | undefined): { id?: string } {
  const id = record?.['Id'];
  return typeof id === 'string' ? { id } : {};
}

function foundUser(row: Rec): FoundSalesforceUser {
  const f = flatten(row);
  return {
    id: String(f['Id']),
    username: String(f['Username']),
    isActive: f['IsActive'] === true,
    profileId: (f['ProfileId'] as string | null | undefined) ?? null,
    profileName: (f['Profile.Name'] as string | null | undefined) ?? null,
    fields: f,
  };
}
