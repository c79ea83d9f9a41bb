/** Property names of the Graph v1.0 types the simulator serves, for `$select` validation. */

export const USER_PROPERTIES: ReadonlySet<string> = new Set([
  'id',
  'accountEnabled',
  'businessPhones',
  'city',
  'companyName',
  'country',
  'createdDateTime',
  'deletedDateTime',
  'department',
  'displayName',
  'employeeHireDate',
  'employeeId',
  'employeeType',
  'faxNumber',
  'givenName',
  'jobTitle',
  'mail',
  'mailNickname',
  'mobilePhone',
  'officeLocation',
  'onPremisesExtensionAttributes',
  'onPremisesImmutableId',
  'onPremisesSamAccountName',
  'onPremisesSyncEnabled',
  'otherMails',
  'postalCode',
  'preferredLanguage',
  'proxyAddresses',
  'state',
  'streetAddress',
  'surname',
  'usageLocation',
  'userPrincipalName',
  'userType',
]);

/** What `GET /users` and `users/delta` return when no `$select` is given (Graph v1.0 default set). */
export const USER_DEFAULT_SELECT: readonly string[] = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
];

/** Properties a client may set through POST/PATCH (read-only ones excluded). */
export const USER_WRITABLE: ReadonlySet<string> = new Set(
  [...USER_PROPERTIES].filter((p) => !['id', 'createdDateTime', 'deletedDateTime'].includes(p)),
);

export const GROUP_PROPERTIES: ReadonlySet<string> = new Set([
  'id',
  'classification',
  'createdDateTime',
  'deletedDateTime',
  'description',
  'displayName',
  'groupTypes',
  'mail',
  'mailEnabled',
  'mailNickname',
  'onPremisesSyncEnabled',
  'securityEnabled',
  'visibility',
]);

export const GROUP_DEFAULT_SELECT: readonly string[] = [...GROUP_PROPERTIES].filter(
  (p) => p !== 'id' && p !== 'deletedDateTime',
);

export const GROUP_WRITABLE: ReadonlySet<string> = new Set(
  [...GROUP_PROPERTIES].filter((p) => !['id', 'createdDateTime', 'deletedDateTime', 'mail'].includes(p)),
);

/** The fifteen on-premises extension attributes; the simulator stores only the ones set. */
export const EXTENSION_ATTRIBUTES: readonly string[] = Array.from(
  { length: 15 },
  (_, i) => `extensionAttribute${i + 1}`,
);

/** Graph returns all fifteen keys, `null` where unset. */
export function expandExtensionAttributes(stored: unknown): Record<string, string | null> {
  const source = (stored ?? {}) as Record<string, string | null | undefined>;
  const out: Record<string, string | null> = {};
  for (const key of EXTENSION_ATTRIBUTES) out[key] = source[key] ?? null;
  return out;
}

/**
 * Collection-valued properties: Graph's schema types them `Collection(String)` (non-nullable), so an
 * unset one is `[]`, never `null` (`otherMails`, `proxyAddresses`, `businessPhones`, …).
 */
export const COLLECTION_PROPERTIES: ReadonlySet<string> = new Set([
  'businessPhones',
  'groupTypes',
  'otherMails',
  'proxyAddresses',
  'imAddresses',
]);
