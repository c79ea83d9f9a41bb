/**
 * The directory as Provision sees it: ports (small async interfaces) and the shapes they yield.
 * Adapters: `GraphDirectoryReader`, `GraphAppRoleAssignments`, `GraphAppRolePublisher`,
 * `GraphSubscriptionManager`; in-memory fakes in `fakes.ts`.
 */

/** User attributes Provision reads (Graph property names). Absent = not selected or never set. */
export interface DirectoryUser {
  readonly id: string;
  readonly userPrincipalName?: string | null;
  readonly mail?: string | null;
  readonly mailNickname?: string | null;
  readonly givenName?: string | null;
  readonly surname?: string | null;
  readonly displayName?: string | null;
  readonly accountEnabled?: boolean | null;
  readonly department?: string | null;
  readonly jobTitle?: string | null;
  readonly companyName?: string | null;
  readonly employeeId?: string | null;
  readonly preferredLanguage?: string | null;
  readonly usageLocation?: string | null;
  readonly city?: string | null;
  readonly country?: string | null;
  readonly mobilePhone?: string | null;
  readonly businessPhones?: readonly string[] | null;
  readonly onPremisesExtensionAttributes?: Readonly<Record<string, string | null>> | null;
  /** Any other selected property, as Graph returned it. */
  readonly [property: string]: unknown;
}

export interface DirectoryGroup {
  readonly id: string;
  readonly displayName?: string | null;
  readonly description?: string | null;
  readonly mailNickname?: string | null;
  readonly securityEnabled?: boolean | null;
  readonly mailEnabled?: boolean | null;
  readonly groupTypes?: readonly string[] | null;
  readonly [property: string]: unknown;
}

/** A member of a group: a user, or a nested group (which Entra provisioning does not expand). */
export interface MemberRef {
  readonly id: string;
  readonly type: 'user' | 'group' | 'other';
}

/**
 * `reason: 'changed'` = soft-deleted (restorable from deletedItems for 30 days);
 * `reason: 'deleted'` = permanently deleted.
 */
export interface Removal {
  readonly kind: 'removed';
  readonly id: string;
  readonly reason: 'changed' | 'deleted';
}

export interface UserUpsert {
  readonly kind: 'upsert';
  readonly id: string;
  /** Properties present in this response: all selected ones, or only the changed ones with `minimal`. */
  readonly user: DirectoryUser;
}

export interface GroupUpsert {
  readonly kind: 'upsert';
  readonly id: string;
  readonly group: DirectoryGroup;
  /** Membership in this response (`members@delta`): in a full round, the members; later, the changes only. */
  readonly membersAdded: readonly MemberRef[];
  readonly membersRemoved: readonly MemberRef[];
}

export type UserChange = UserUpsert | Removal;
export type GroupChange = GroupUpsert | Removal;

/**
 * One page of a delta round. `cursor` is set on the last page only: store it after the round is
 * processed. An object may appear more than once in a round (Graph "replays", and a large group's
 * members come in several items, each with the next part of `membersAdded`): merge by id.
 */
export interface DeltaPage<T> {
  readonly changes: readonly T[];
  /** The cursor for the next round (Graph's deltaLink), present on the last page of a round. */
  readonly cursor?: DeltaCursor;
  /** True when this round started without a cursor (a full snapshot: absent ids no longer exist). */
  readonly fullSync: boolean;
}

/** An opaque position in the directory's change stream (Graph's `@odata.deltaLink`). */
export type DeltaCursor = string;

export interface DeltaReadOptions {
  /** Start from this cursor; omitted = a full round. */
  readonly cursor?: DeltaCursor;
  /** Properties to track, for a round without a cursor (the cursor carries them later). */
  readonly select?: readonly string[];
  /** Only changed properties in later rounds (`Prefer: return=minimal`). */
  readonly minimal?: boolean;
}

/**
 * Reads the directory in delta rounds, page by page (never the whole tenant in memory).
 * Throws `ProvisionError('PRV_GRAPH_DELTA_EXPIRED')` when the cursor is no longer valid: drop it
 * and run a full round (and treat ids absent from it as gone).
 */
export interface DirectoryReader {
  users(options?: DeltaReadOptions): AsyncIterable<DeltaPage<UserChange>>;
  /** Groups with their members (`members` is always tracked). */
  groups(options?: DeltaReadOptions): AsyncIterable<DeltaPage<GroupChange>>;
  /** A cursor at "now" without reading anything (`$deltatoken=latest`). */
  latestCursor(kind: 'users' | 'groups', select?: readonly string[]): Promise<DeltaCursor>;
}

/** An app role assignment of the enterprise application (`appRoleAssignedTo`). */
export interface AppRoleAssignment {
  readonly id: string;
  readonly appRoleId: string;
  readonly principalId: string;
  readonly principalType: 'User' | 'Group' | 'ServicePrincipal';
  readonly principalDisplayName: string | null;
  readonly resourceId: string;
  readonly createdDateTime: string | null;
}

/** The application's assignments: listed in pages (Graph cannot delta-track them), added, removed. */
export interface AppRoleAssignments {
  list(options?: { pageSize?: number }): AsyncIterable<readonly AppRoleAssignment[]>;
  /** Assigns a user or group with a role (`New-MgServicePrincipalAppRoleAssignedTo`). */
  assign(principalId: string, appRoleId: string): Promise<AppRoleAssignment>;
  remove(assignmentId: string): Promise<void>;
}

/** An app role as Graph describes it. */
export interface AppRole {
  readonly id: string;
  readonly value: string | null;
  readonly displayName: string | null;
  readonly description: string | null;
  readonly isEnabled: boolean;
  readonly allowedMemberTypes: readonly string[];
  readonly origin?: string;
}

/** A role to publish, e.g. one per Salesforce profile. */
export interface DesiredRole {
  readonly value: string;
  readonly displayName?: string;
  readonly description?: string;
}

export interface PublishResult {
  /** All roles of the application after publishing. */
  readonly roles: readonly AppRole[];
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly removed: readonly string[];
}

export interface AppRolePublisher {
  /** Current roles of the application. */
  roles(): Promise<readonly AppRole[]>;
  /** Makes the application offer exactly these roles among those Provision owns; others are left alone. */
  publish(desired: readonly DesiredRole[]): Promise<PublishResult>;
}
