import { z } from 'zod';

/**
 * The 14 scoping-filter operators Entra documents (reference §2.2), spelled as the portal and Graph
 * spell them.
 */
export const SCOPING_OPERATORS = [
  '&',
  '!&',
  'ENDS_WITH',
  'EQUALS',
  'NOT EQUALS',
  'Greater_Than',
  'Greater_Than_OR_EQUALS',
  'Includes',
  'IS TRUE',
  'IS FALSE',
  'IS NULL',
  'IS NOT NULL',
  'REGEX MATCH',
  'NOT REGEX MATCH',
] as const;
export type ScopingOperator = (typeof SCOPING_OPERATORS)[number];

/** Operators that take no value (the clause tests the attribute alone). */
export const UNARY_OPERATORS: ReadonlySet<ScopingOperator> = new Set(['IS TRUE', 'IS FALSE', 'IS NULL', 'IS NOT NULL']);

const scalar = z.union([z.string(), z.number(), z.boolean()]);
// A constant or default is written to Salesforce as the field's type asks; numbers in YAML are
// taken as their text (an admin writing `default: 8` means "8").
const valueText = scalar.transform((v) => (typeof v === 'number' ? String(v) : v));

export const ScopingClauseSchema = z.strictObject({
  /** The Entra source attribute, e.g. `department`. */
  attribute: z.string().min(1),
  operator: z.enum(SCOPING_OPERATORS, {
    error: () => `Expected one of ${SCOPING_OPERATORS.map((o) => `"${o}"`).join(', ')}`,
  }),
  /** The target operand; absent for IS TRUE / IS FALSE / IS NULL / IS NOT NULL. Compared as text (YAML `true` is "True", as .NET writes it). */
  value: scalar.transform((v) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v))).optional(),
});

export const ScopingFilterSchema = z.strictObject({
  name: z.string().optional(),
  /** All clauses of one filter must hold (AND). */
  clauses: z.array(ScopingClauseSchema).min(1),
});

export const AttributeMappingSchema = z.strictObject({
  /** The Salesforce field (or pseudo-field such as `ProfileName`). */
  target: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'Expected a Salesforce field API name'),
  /** Direct mapping: the Entra attribute copied as is. */
  source: z.string().min(1).optional(),
  /** Constant mapping. */
  constant: valueText.optional(),
  /** Expression mapping, in the Entra expression language. */
  expression: z.string().min(1).max(10_000).optional(),
  /** Used on create only, when the mapping yields null (or has no source at all). */
  default: valueText.optional(),
  /** `always` keeps the field in step; `onCreate` writes it only when the user is created. */
  apply: z.enum(['always', 'onCreate']).default('always'),
  /** Makes the mapping a matching attribute; lower values are tried first. */
  matchingPrecedence: z.number().int().positive().optional(),
  /** How values are written; inferred from the field name when absent (`Is*`, `UserPermissions*` → boolean). */
  type: z.enum(['string', 'boolean', 'multi']).optional(),
});

export const RoleRuleSchema = z.strictObject({
  /** Object id of the Entra group whose direct members get the role. */
  group: z.string().min(1),
  /** The Salesforce role: its DeveloperName (`Sales_Rep`) or its Name (`Sales Rep`). */
  role: z.string().min(1).max(80),
});

export const PermissionSetRuleSchema = z.strictObject({
  group: z.string().min(1),
  /** Names of the permission sets (PermissionSet.Name) granted to the group's direct members. */
  permissionSets: z.array(z.string().min(1)).min(1),
});

// A DeveloperName: letters, digits and single underscores, starting with a letter (Setup's rule).
const developerNameOf = (whose: string) =>
  z
    .string()
    .regex(
      /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$/,
      `Expected a DeveloperName (${whose} API name): a letter, then letters, digits and single underscores`,
    )
    .max(80)
    .refine((n) => !n.endsWith('_'), 'A DeveloperName does not end with "_"');
const developerName = developerNameOf("the group's or queue's");

export const GroupMembershipRuleSchema = z
  .strictObject({
    /** Object id of the Entra group whose direct members join the groups and queues. */
    group: z.string().min(1),
    /** DeveloperNames of Salesforce public groups (`Group`, `Type = 'Regular'`). */
    publicGroups: z.array(developerName).default([]),
    /** DeveloperNames of Salesforce queues (`Group`, `Type = 'Queue'`). */
    queues: z.array(developerName).default([]),
  })
  .superRefine((r, ctx) => {
    if (r.publicGroups.length === 0 && r.queues.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'A group membership rule names at least one public group (publicGroups) or queue (queues)',
      });
    }
  });

export const PermissionSetGroupRuleSchema = z.strictObject({
  /** Object id of the Entra group whose direct members are assigned the permission set groups. */
  group: z.string().min(1),
  /** DeveloperNames of the permission set groups (PermissionSetGroup) assigned to the group's direct members. */
  permissionSetGroups: z
    .array(developerNameOf("the permission set group's"))
    .min(1, 'A permission set group rule names at least one permission set group'),
});

export const PermissionSetLicenseRuleSchema = z.strictObject({
  /** Object id of the Entra group whose direct members are given the licences. */
  group: z.string().min(1),
  /** DeveloperNames of the permission set licences (PermissionSetLicense) given to the group's direct members. */
  permissionSetLicenses: z
    .array(developerNameOf("the permission set licence's"))
    .min(1, 'A permission set licence rule names at least one permission set licence'),
});

/**
 * Feature licences (the `UserPermissions*` checkboxes of User: Marketing User, Knowledge User,
 * Service Cloud User, Flow User …) from group membership and/or the user's attributes. The names
 * are checked in semantic checks (feature-licence-checks.ts), so that an unknown one is reported
 * with the list of known ones.
 */
export const FeatureLicenseRuleSchema = z.strictObject({
  /** Object id of the Entra group whose direct members get the licences. */
  group: z.string().min(1).optional(),
  /** An Entra expression on the user's attributes; the rule applies when it yields true. */
  when: z.string().min(1).max(10_000).optional(),
  /** The licences' User fields, e.g. `UserPermissionsMarketingUser`. */
  featureLicenses: z.array(z.string().min(1)).min(1),
});

/**
 * How Provision treats the entitlements of one type that it did not grant. `merge` (the default):
 * only what Provision granted is ever removed. `authoritative`: what the rules name is Provision's
 * to keep in step, so a membership of a named group the user should not hold is removed too, who
 * ever added it; groups no rule names are never touched.
 */
export const EntitlementModeSchema = z.enum(['merge', 'authoritative']);

/** What happens to a user who leaves scope (docs/operations.md, "Deprovisioning choices"). */
export const DeprovisioningSchema = z
  .strictObject({
    /**
     * deactivate: `IsActive = false` (frees the licence); freeze: `UserLogin.IsFrozen = true` (keeps
     * the licence, no sign-in); freezeThenDeactivate: frozen at once, deactivated `deactivateAfterDays`
     * later if still out of scope; none: leave the user.
     */
    action: z.enum(['deactivate', 'freeze', 'freezeThenDeactivate', 'none']).default('deactivate'),
    /**
     * With freezeThenDeactivate: days between the freeze and the deactivation. Decimals are allowed
     * (0.5 = 12 hours; tests use 0.0001 ≈ 9 s); the deadline is checked at the end of each directory
     * round, so it is met within one round (`SYNC_INTERVAL_MS`).
     */
    deactivateAfterDays: z.number().positive().max(3650).optional(),
  })
  .superRefine((d, ctx) => {
    if (d.action === 'freezeThenDeactivate' && d.deactivateAfterDays === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['deactivateAfterDays'],
        message: 'freezeThenDeactivate needs deactivateAfterDays: the days between the freeze and the deactivation',
      });
    }
    if (d.action !== 'freezeThenDeactivate' && d.deactivateAfterDays !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['deactivateAfterDays'],
        message: `deactivateAfterDays applies only to action freezeThenDeactivate (the action is ${d.action})`,
      });
    }
  });

export const MappingConfigSchema = z.strictObject({
  version: z.literal(1),
  /** Entra's "Sync only assigned users and groups" or "Sync all users and groups". */
  scope: z.enum(['assignedUsersAndGroups', 'allUsers']).default('assignedUsersAndGroups'),
  /** Filters are ORed: a user is in scope when every clause of at least one filter holds. None = no filtering. */
  scopingFilters: z.array(ScopingFilterSchema).default([]),
  deprovisioning: DeprovisioningSchema.default({ action: 'deactivate' }),
  /**
   * The durable link: a Salesforce User field (a custom Text field of 36 or more characters marked
   * External ID and Unique, e.g. `EntraObjectId__c`) where Provision writes the Entra object id of
   * every user it creates or matches, and by which it finds them first. Without it, the link lives
   * only in Redis: a user renamed while Redis was lost is created again, and one who left scope
   * meanwhile stays active (docs/operations.md, "Faults and convergence").
   */
  link: z
    .strictObject({
      field: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'Expected a Salesforce field API name'),
    })
    .optional(),
  /**
   * Usernames are unique across every Salesforce org: when another org already holds a user's
   * username (`DUPLICATE_USERNAME` on create, no such user in this org), the writer creates the user
   * with `suffix` appended (`ada@contoso.com` → `ada@contoso.com.acme`, as sandboxes do) and logs a
   * warning; the suffixed username is then kept as the user's own. Unset: the create fails
   * (`SalesforceDuplicateUserName`), as in Entra.
   */
  usernameCollision: z
    .strictObject({
      suffix: z
        .string()
        .regex(
          /^\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/,
          'Expected a lower-case domain suffix starting with "." (e.g. ".acme"), so that the username stays an e-mail address',
        )
        .max(40),
    })
    .optional(),
  /** Check LocaleSidKey, LanguageLocaleKey, TimeZoneSidKey and EmailEncodingKey against Salesforce's values. */
  validatePicklists: z.boolean().default(true),
  mappings: z.array(AttributeMappingSchema).min(1),
  /**
   * What a user holding two or more distinct app roles (two profiles) gets. `conflict` (Entra's
   * behaviour): the user is left as is and the conflict is reported. `precedence`: the first role of
   * `precedence` the user holds wins, the others are named in the log (a user holding none of the
   * listed roles is still a conflict). `refuse`: the user is treated as out of scope — never created,
   * deactivated if in Salesforce — until one role remains.
   */
  multipleRoles: z
    .strictObject({
      policy: z.enum(['conflict', 'precedence', 'refuse']).default('conflict'),
      /** App role values (profile names), highest precedence first; `policy: precedence` only. */
      precedence: z.array(z.string().min(1)).default([]),
    })
    .default({ policy: 'conflict', precedence: [] }),
  /** Salesforce role from group membership; the first matching rule wins. */
  roleRules: z.array(RoleRuleSchema).default([]),
  /** Permission sets from group membership; every matching rule adds its sets. */
  permissionSetRules: z.array(PermissionSetRuleSchema).default([]),
  /** Public groups and queues (GroupMember) from group membership; every matching rule adds its groups. */
  groupMembershipRules: z.array(GroupMembershipRuleSchema).default([]),
  /** Feature licences from group membership and/or attributes; every matching rule adds its licences. */
  featureLicenseRules: z.array(FeatureLicenseRuleSchema).default([]),
  /** Permission set groups (by DeveloperName) from group membership; every matching rule adds its groups. */
  permissionSetGroupRules: z.array(PermissionSetGroupRuleSchema).default([]),
  /** Permission set licences (by DeveloperName) from group membership; every matching rule adds its licences. */
  permissionSetLicenseRules: z.array(PermissionSetLicenseRuleSchema).default([]),
  /** Per entitlement type: `merge` (remove only Provision's grants) or `authoritative` (keep the named ones in step). */
  entitlementModes: z
    .strictObject({
      groupMembership: EntitlementModeSchema.default('merge'),
      /** authoritative: every licence the rules name is unticked for a user no rule grants it to. */
      featureLicense: EntitlementModeSchema.default('merge'),
      /** authoritative: the role comes from roleRules only (a user no rule matches has none). */
      role: EntitlementModeSchema.default('merge'),
      permissionSets: EntitlementModeSchema.default('merge'),
      permissionSetGroups: EntitlementModeSchema.default('merge'),
      permissionSetLicenses: EntitlementModeSchema.default('merge'),
    })
    .default({
      groupMembership: 'merge',
      featureLicense: 'merge',
      role: 'merge',
      permissionSets: 'merge',
      permissionSetGroups: 'merge',
      permissionSetLicenses: 'merge',
    }),
});

/** A validated mapping configuration. */
export type MappingConfig = z.infer<typeof MappingConfigSchema>;
/** The configuration as written (defaults not yet applied). */
export type MappingConfigInput = z.input<typeof MappingConfigSchema>;
export type AttributeMapping = z.infer<typeof AttributeMappingSchema>;
export type ScopingFilter = z.infer<typeof ScopingFilterSchema>;
export type ScopingClause = z.infer<typeof ScopingClauseSchema>;
export type RoleRule = z.infer<typeof RoleRuleSchema>;
export type PermissionSetRule = z.infer<typeof PermissionSetRuleSchema>;
export type GroupMembershipRule = z.infer<typeof GroupMembershipRuleSchema>;
export type PermissionSetGroupRule = z.infer<typeof PermissionSetGroupRuleSchema>;
export type PermissionSetLicenseRule = z.infer<typeof PermissionSetLicenseRuleSchema>;
export type EntitlementMode = z.infer<typeof EntitlementModeSchema>;
export type FeatureLicenseRule = z.infer<typeof FeatureLicenseRuleSchema>;
