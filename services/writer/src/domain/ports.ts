import type { AttributeValue, Initiator, ProvisioningCommandV1, ProvisioningResultV1 } from '@provision/events';

/** A Salesforce field value as the writer carries it (`ProfileName` is a profile name, not an Id). */
export type FieldValue = AttributeValue;
export type Fields = Readonly<Record<string, FieldValue>>;

/** A Salesforce user as the writer sees it: its Id and the fields it asked for. */
export interface ExistingSalesforceUser {
  readonly id: string;
  readonly fields: Fields;
}

/** What Salesforce said about one record or one request, already classified. */
export interface SalesforceFailure {
  /** Entra-style code (`SalesforceDuplicateUserName`, `SalesforceLicenseLimitExceeded`, …). */
  readonly code: string;
  /** Salesforce's own code (`DUPLICATE_USERNAME`, `UNABLE_TO_LOCK_ROW`, …), when known. */
  readonly salesforceCode?: string | undefined;
  readonly message: string;
  readonly fields: readonly string[];
  readonly retriable: boolean;
}

/** The outcome of one record of a Collections call, in request order. */
export type SaveOutcome =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly failure: SalesforceFailure };

/** An update of one Salesforce user: only the fields to change. */
export interface UserUpdate {
  readonly id: string;
  readonly fields: Fields;
}

/** Permission sets (names) to assign to and take from one Salesforce user. */
export interface PermissionSetChange {
  /** The Salesforce user Id. */
  readonly userId: string;
  readonly add: readonly string[];
  readonly remove: readonly string[];
  /** Created in this flush: it holds no assignment yet, so none needs reading. */
  readonly newUser: boolean;
}

/** What one user's permission sets were and became (names, sorted), or why they could not change. */
export type PermissionSetOutcome =
  | { readonly ok: true; readonly before: readonly string[]; readonly after: readonly string[] }
  | {
      readonly ok: false;
      readonly before?: readonly string[];
      readonly after?: readonly string[];
      readonly failure: SalesforceFailure;
    };

/** A public group or a queue, by DeveloperName. */
export interface GroupRef {
  readonly type: 'publicGroup' | 'queue';
  readonly name: string;
}

/** Public groups and queues one Salesforce user joins and leaves. */
export interface GroupMembershipChange {
  /** The Salesforce user Id. */
  readonly userId: string;
  readonly add: readonly GroupRef[];
  readonly remove: readonly GroupRef[];
  /** Created in this flush: a member of nothing yet, so nothing needs reading. */
  readonly newUser: boolean;
}

/** A user's public groups and queues (DeveloperNames, sorted). */
export interface GroupMemberships {
  readonly publicGroups: readonly string[];
  readonly queues: readonly string[];
}

/** What one user's memberships were and became, or why they could not change. */
export type GroupMembershipOutcome =
  | { readonly ok: true; readonly before: GroupMemberships; readonly after: GroupMemberships }
  | {
      readonly ok: false;
      readonly before?: GroupMemberships;
      readonly after?: GroupMemberships;
      readonly failure: SalesforceFailure;
    };

/** One step of `assignEntitlements`: the changes its own assign… method takes. */
export type EntitlementStepChanges =
  | {
      readonly kind: 'permissionSets' | 'permissionSetGroups' | 'permissionSetLicenses';
      readonly changes: readonly PermissionSetChange[];
    }
  | { readonly kind: 'groupMemberships'; readonly changes: readonly GroupMembershipChange[] };

/**
 * The writer's view of a Salesforce org. Each method is one API call (the adapter may split a
 * long query, never a write); requests that fail as a whole throw a `SalesforceCallError`.
 */
export interface SalesforceDirectory {
  /**
   * The users whose `attribute` (`Id`, `Username`, `FederationIdentifier`, …) is one of `values`,
   * with `fields` read back (`ProfileName` as the profile's name).
   */
  findUsers(attribute: string, values: readonly string[], fields: readonly string[]): Promise<ExistingSalesforceUser[]>;
  /**
   * Several `findUsers` lookups in one API call where they fit (a Composite call of five queries),
   * one list per lookup in order. Optional: without it the writer calls `findUsers` per lookup.
   */
  findUsersEach?(
    lookups: readonly { readonly attribute: string; readonly values: readonly string[] }[],
    fields: readonly string[],
  ): Promise<ExistingSalesforceUser[][]>;
  /** Creates users: up to 200 in one sObject Collections call, up to 1,000 in one Composite call of five. */
  createUsers(records: readonly Fields[]): Promise<SaveOutcome[]>;
  /** Updates users: up to 200 in one sObject Collections call, up to 1,000 in one Composite call of five. */
  updateUsers(updates: readonly UserUpdate[]): Promise<SaveOutcome[]>;
  /**
   * Adds and removes permission-set assignments (a few API calls: the set list, the users'
   * assignments, Collections inserts and deletes); `dryRun` reads only and reports what would be.
   */
  assignPermissionSets(
    changes: readonly PermissionSetChange[],
    options: { readonly dryRun: boolean },
  ): Promise<PermissionSetOutcome[]>;
  /**
   * The permission sets (names, sorted) each user holds through explicit assignments, by Salesforce
   * user Id: one query, reads only (the console's view of one user). Absent: the directory cannot say.
   */
  readPermissionSets?(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /**
   * Adds and removes public-group and queue memberships (the group list, the users' memberships,
   * Collections inserts and deletes); `dryRun` reads only and reports what would be.
   */
  assignGroupMemberships(
    changes: readonly GroupMembershipChange[],
    options: { readonly dryRun: boolean },
  ): Promise<GroupMembershipOutcome[]>;
  /**
   * The public groups and queues each user is a direct member of, by Salesforce user Id: one query,
   * reads only (the console's view of one user). Absent: the directory cannot say.
   */
  readGroupMemberships?(userIds: readonly string[]): Promise<Map<string, GroupMemberships>>;
  /**
   * The org's feature licences, total and held by active users (one or two reads), so that the
   * writer counts before ticking one. Absent, or empty: the limits are unknown and Salesforce's
   * `LICENSE_LIMIT_EXCEEDED` decides.
   */
  featureLicenses?(): Promise<readonly FeatureLicenseCount[]>;
  /**
   * Adds and removes permission set group assignments (DeveloperNames; the group list, the users'
   * assignments, Collections inserts and deletes); `dryRun` reads only and reports what would be.
   */
  assignPermissionSetGroups(
    changes: readonly PermissionSetChange[],
    options: { readonly dryRun: boolean },
  ): Promise<PermissionSetOutcome[]>;
  /**
   * Adds and removes permission set licences (DeveloperNames), counted first: a user past a
   * licence's count fails as `SalesforceLicenseLimitExceeded` naming it; `dryRun` reads only.
   */
  assignPermissionSetLicenses(
    changes: readonly PermissionSetChange[],
    options: { readonly dryRun: boolean },
  ): Promise<PermissionSetOutcome[]>;
  /**
   * Several steps of entitlement changes at once, each as its own assign… method would make it, one
   * outcome list per step: the steps' reads go together, then their inserts in step order, then
   * their deletes in step order (a few calls in all, not a few per step). Absent: one step at a time.
   */
  assignEntitlements?(
    steps: readonly EntitlementStepChanges[],
    options: { readonly dryRun: boolean },
  ): Promise<(PermissionSetOutcome[] | GroupMembershipOutcome[])[]>;
  /** The permission set groups (DeveloperNames, sorted) of each user: one query, reads only. */
  readPermissionSetGroups?(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** The permission set licences (DeveloperNames, sorted) of each user: one query, reads only. */
  readPermissionSetLicenses?(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Command fields this directory cannot write: left out, and the result is a warning. */
  readonly unsupportedFields?: ReadonlySet<string>;
}

/** One feature licence of the org: its User checkbox, how many were bought, how many are held. */
export interface FeatureLicenseCount {
  readonly field: string;
  readonly total: number;
  readonly assigned: number;
}

/** Entra user id → Salesforce user Id. Redis in production; rebuilt by matching when lost. */
export interface LinkStore {
  getMany(userIds: readonly string[]): Promise<Map<string, string>>;
  setMany(links: ReadonlyMap<string, string>): Promise<void>;
  deleteMany(userIds: readonly string[]): Promise<void>;
}

/**
 * The commands whose results the fleet published, kept a while (Redis in production). A command
 * redelivered after its result went out but before its offset was committed (a writer that
 * crashed, a partition moved) is answered without being carried out again: carried out late, a
 * command of the bulk lane could undo what a later command of its user, in the live lane, wrote.
 */
export interface AnsweredCommands {
  /** Which of these commands were answered. */
  which(commandIds: readonly string[]): Promise<Set<string>>;
  remember(commandIds: readonly string[]): Promise<void>;
}

/** The Salesforce API budget shared by every writer replica. */
export interface RateBudget {
  /** Resolves once `units` calls may be made; waits (never fails) while the budget is spent. */
  spend(units?: number): Promise<void>;
}

/** What the rest of Provision (audit, dashboard) reads about the writer's quarantine. */
export interface QuarantineState {
  readonly reason: string;
  readonly code: string;
  readonly since: string;
  readonly consecutiveFailures: number;
  readonly nextAttemptAt: string;
}

export interface QuarantineStore {
  set(state: QuarantineState): Promise<void>;
  clear(): Promise<void>;
  get(): Promise<QuarantineState | null>;
}

/** An admin's pause of provisioning: who, when, why (`<prefix>provisioning:paused`, set by the ingestor's API). */
export interface PauseState {
  readonly since: string;
  readonly by: Initiator;
  readonly reason: string | null;
}

/** What admins decided for the whole job, shared by every writer replica (Redis), read before each batch. */
export interface JobControl {
  /** Provisioning is paused: hold every batch, call Salesforce for none. */
  readonly paused: PauseState | null;
  /**
   * How many times an admin has cleared the quarantine (it only grows). A replica that sees it grow
   * forgets its own quarantine and probes Salesforce with its next batch.
   */
  readonly quarantineClears: number;
  /** The last clear: who and when. */
  readonly lastClear: { readonly at: string; readonly by: Initiator } | null;
}

export interface JobControlReader {
  read(): Promise<JobControl>;
}

/** Time, injected so that retry and linger logic is tested without sleeping: the one shared clock. */
export type { Clock } from '@provision/ports';

/** The answer to one consumed command: finished (commit it), or try it again later (keep it uncommitted). */
export type CommandAnswer =
  | { readonly status: 'done' }
  | { readonly status: 'retry'; readonly delayMs: number; readonly reason: string };

/** A consumed command with the trace context it arrived with. */
export interface ConsumedCommand {
  readonly command: ProvisioningCommandV1;
  readonly traceparent?: string | undefined;
  /**
   * Came through the live lane (`provisioning.commands.live.v1`: a change Entra notified): written
   * ahead of a sync's backlog, as an admin's on-demand command is.
   */
  readonly live?: boolean | undefined;
}

/**
 * Where commands come from: Kafka in production (batch mode, commit after the answer), two topics
 * (the bulk lane and the live lane) combined by `commandLanes`.
 */
export interface CommandSource {
  start(handler: (deliveries: readonly ConsumedCommand[]) => Promise<CommandAnswer[]>): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
  /** Commands taken and not yet answered (undefined before start). */
  inHand?(): number | undefined;
}

/** Where results go: `provisioning.results.v1`, keyed by the Entra user id. */
export interface ResultSink {
  publish(results: readonly { result: ProvisioningResultV1; traceparent?: string | undefined }[]): Promise<void>;
}
