// The writer's read of one user's live Salesforce record (`GET /api/salesforce-users/:id`), as the
// writer answers it and the CLI and the audit console show it. Types only, importing nothing, so the
// console's browser build can take them (`@provision/salesforce/user-record`).

/** A field's value as Salesforce holds it (`ProfileName` is a profile name, not an Id). */
export type SalesforceFieldValue = string | number | boolean | null | readonly string[];

/** How the writer found the user: the order it tries them in. */
export type FoundBy = 'stored-link' | 'link-field' | 'matching-attribute';

/** One search the lookup made, in order. */
export interface LookupAttempt {
  readonly by: FoundBy;
  readonly attribute: string;
  readonly value: string;
  /** The Salesforce users it found. */
  readonly found: readonly string[];
}

/** One Salesforce user as the console shows it. */
export interface SalesforceUserRecord {
  readonly id: string;
  readonly username: string | null;
  readonly isActive: boolean | null;
  readonly profileName: string | null;
  readonly userRole: string | null;
  readonly lastModifiedDate: string | null;
  /** Every field the mapping writes (and the link field), as Salesforce holds it now. */
  readonly fields: Readonly<Record<string, SalesforceFieldValue>>;
  /** Permission sets assigned explicitly (names, sorted); null when the directory cannot say. */
  readonly permissionSets: readonly string[] | null;
  /**
   * Public groups and queues the user is a direct member of (DeveloperNames, sorted); read only when
   * the mapping has group membership rules, and absent otherwise; null when the writer cannot read them.
   */
  readonly groupMemberships?: { readonly publicGroups: readonly string[]; readonly queues: readonly string[] } | null;
  /** Permission set groups (DeveloperNames, sorted); read only when the mapping has their rules. */
  readonly permissionSetGroups?: readonly string[] | null;
  /** Permission set licences (DeveloperNames, sorted); read only when the mapping has their rules. */
  readonly permissionSetLicenses?: readonly string[] | null;
}

/** The writer's answer when it finds the user (200). */
export interface SalesforceUserRead {
  readonly userId: string;
  readonly foundBy: FoundBy;
  readonly salesforce: SalesforceUserRecord;
  readonly tried: readonly LookupAttempt[];
  /** The mapping's link field, null when it declares none. */
  readonly link: { readonly field: string } | null;
  readonly apiCalls: number;
  readonly readAt: string;
}
