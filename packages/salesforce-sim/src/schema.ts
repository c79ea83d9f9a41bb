import {
  EMAIL_ENCODING_KEYS,
  LANGUAGE_LOCALE_KEYS,
  LOCALE_SID_KEYS,
  TIME_ZONE_SID_KEYS,
  USER_REQUIRED_ON_CREATE,
} from '@provision/mapping/salesforce-user';

/** The field types the simulator models, named as `describe` names them. */
export type FieldType =
  | 'id'
  | 'string'
  | 'email'
  | 'phone'
  | 'textarea'
  | 'picklist'
  | 'boolean'
  | 'reference'
  | 'datetime'
  | 'date'
  | 'int'
  | 'double';

export interface FieldDef {
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  readonly length: number;
  readonly nillable: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  /** Required on create (listed by REQUIRED_FIELD_MISSING when absent). */
  readonly required?: boolean;
  readonly picklist?: readonly string[];
  readonly restrictedPicklist?: boolean;
  readonly defaultPicklistValue?: string;
  readonly referenceTo?: string;
  readonly relationshipName?: string;
  /** An admin's field (name ends in `__c`). */
  readonly custom?: boolean;
  /** Marked External ID: indexed, usable to look records up. */
  readonly externalId?: boolean;
  /** Salesforce refuses a second record with the same value (DUPLICATE_VALUE), case-insensitively. */
  readonly unique?: boolean;
}

export interface ObjectDef {
  readonly name: string;
  readonly label: string;
  readonly labelPlural: string;
  readonly keyPrefix: string;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly deletable: boolean;
  readonly fields: readonly FieldDef[];
  /** Lower-cased field name → field. */
  readonly byName: ReadonlyMap<string, FieldDef>;
  /** Lower-cased relationship name → reference field. */
  readonly byRelationship: ReadonlyMap<string, FieldDef>;
}

type FieldSpec = Partial<FieldDef> & Pick<FieldDef, 'name' | 'type'>;

const LENGTHS: Partial<Record<FieldType, number>> = {
  id: 18,
  reference: 18,
  boolean: 0,
  datetime: 0,
  date: 0,
  int: 0,
};

function field(spec: FieldSpec): FieldDef {
  const readOnly = spec.type === 'id';
  return {
    label: spec.name,
    length: LENGTHS[spec.type] ?? 255,
    nillable: spec.type !== 'boolean' && spec.type !== 'id' && !spec.required,
    createable: !readOnly,
    updateable: !readOnly,
    ...spec,
  };
}

function readOnly(spec: FieldSpec): FieldDef {
  return field({ ...spec, createable: false, updateable: false });
}

function str(name: string, length: number, label = name, extra: Partial<FieldDef> = {}): FieldDef {
  return field({ name, type: 'string', length, label, ...extra });
}

function bool(name: string, label = name, extra: Partial<FieldDef> = {}): FieldDef {
  return field({ name, type: 'boolean', label, ...extra });
}

function ref(name: string, referenceTo: string, relationshipName: string, extra: Partial<FieldDef> = {}): FieldDef {
  return field({ name, type: 'reference', referenceTo, relationshipName, label: `${relationshipName} ID`, ...extra });
}

function auditFields(): FieldDef[] {
  return [
    readOnly({ name: 'CreatedDate', type: 'datetime', label: 'Created Date' }),
    readOnly({ name: 'CreatedById', type: 'reference', referenceTo: 'User', label: 'Created By ID' }),
    readOnly({ name: 'LastModifiedDate', type: 'datetime', label: 'Last Modified Date' }),
    readOnly({ name: 'LastModifiedById', type: 'reference', referenceTo: 'User', label: 'Last Modified By ID' }),
    readOnly({ name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp' }),
  ];
}

function picklist(name: string, label: string, values: readonly string[], extra: Partial<FieldDef> = {}): FieldDef {
  return field({ name, type: 'picklist', length: 40, label, picklist: values, restrictedPicklist: true, ...extra });
}

/** Marks the named fields required on create (so not nillable), as the shared User table lists them. */
function requiredOnCreate(names: readonly string[], fields: FieldDef[]): FieldDef[] {
  return fields.map((f) => (names.includes(f.name) ? { ...f, required: true, nillable: false } : f));
}

function object(
  name: string,
  keyPrefix: string,
  fields: FieldDef[],
  options: {
    label?: string;
    labelPlural?: string;
    createable?: boolean;
    updateable?: boolean;
    deletable?: boolean;
  } = {},
): ObjectDef {
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  const byRelationship = new Map(
    fields.filter((f) => f.relationshipName).map((f) => [f.relationshipName!.toLowerCase(), f]),
  );
  return {
    name,
    label: options.label ?? name,
    labelPlural: options.labelPlural ?? `${options.label ?? name}s`,
    keyPrefix,
    createable: options.createable ?? false,
    updateable: options.updateable ?? false,
    deletable: options.deletable ?? false,
    fields,
    byName,
    byRelationship,
  };
}

const PERMISSIONS = [
  bool('PermissionsApiEnabled', 'API Enabled'),
  bool('PermissionsManageUsers', 'Manage Users'),
  bool('PermissionsManageInternalUsers', 'Manage Internal Users'),
  bool('PermissionsViewSetup', 'View Setup and Configuration'),
  bool('PermissionsViewAllData', 'View All Data'),
  bool('PermissionsModifyAllData', 'Modify All Data'),
];

/** Lengths from the Salesforce Field Reference (reference §4.2); required fields from the observed error (§4.1). */
export const USER = object(
  'User',
  '005',
  requiredOnCreate(USER_REQUIRED_ON_CREATE, [
    field({ name: 'Id', type: 'id', label: 'User ID', nillable: false }),
    str('Username', 80, 'Username'),
    str('LastName', 80, 'Last Name'),
    str('FirstName', 40, 'First Name'),
    readOnly({ name: 'Name', type: 'string', length: 121, label: 'Full Name' }),
    field({ name: 'Email', type: 'email', length: 128, label: 'Email' }),
    str('Alias', 8, 'Alias'),
    str('CommunityNickname', 40, 'Nickname'),
    picklist('TimeZoneSidKey', 'Time Zone', TIME_ZONE_SID_KEYS),
    picklist('LocaleSidKey', 'Locale', LOCALE_SID_KEYS),
    picklist('EmailEncodingKey', 'Email Encoding', EMAIL_ENCODING_KEYS),
    ref('ProfileId', 'Profile', 'Profile', { label: 'Profile ID' }),
    picklist('LanguageLocaleKey', 'Language', LANGUAGE_LOCALE_KEYS),
    ref('UserRoleId', 'UserRole', 'UserRole', { label: 'Role ID' }),
    ref('ManagerId', 'User', 'Manager', { label: 'Manager ID' }),
    bool('IsActive', 'Active'),
    str('FederationIdentifier', 512, 'SAML Federation ID'),
    str('Title', 80, 'Title'),
    str('Department', 80, 'Department'),
    str('Division', 80, 'Division'),
    str('CompanyName', 80, 'Company Name'),
    str('EmployeeNumber', 20, 'Employee Number'),
    field({ name: 'Street', type: 'textarea', length: 255, label: 'Street' }),
    str('City', 40, 'City'),
    str('State', 80, 'State/Province'),
    str('PostalCode', 20, 'Zip/Postal Code'),
    str('Country', 80, 'Country'),
    field({ name: 'Phone', type: 'phone', length: 40, label: 'Phone' }),
    field({ name: 'MobilePhone', type: 'phone', length: 40, label: 'Mobile' }),
    field({ name: 'Fax', type: 'phone', length: 40, label: 'Fax' }),
    field({ name: 'Extension', type: 'phone', length: 40, label: 'Extension' }),
    bool('UserPermissionsMarketingUser', 'Marketing User'),
    bool('UserPermissionsOfflineUser', 'Offline User'),
    bool('UserPermissionsCallCenterAutoLogin', 'Auto-login To Call Center'),
    bool('UserPermissionsKnowledgeUser', 'Knowledge User'),
    bool('UserPermissionsSupportUser', 'Service Cloud User'),
    bool('UserPermissionsInteractionUser', 'Flow User'),
    readOnly({
      name: 'UserType',
      type: 'picklist',
      length: 40,
      label: 'User Type',
      picklist: ['Standard', 'PowerPartner', 'CSPLitePortal', 'CustomerSuccess', 'PowerCustomerSuccess', 'CsnOnly'],
    }),
    ...auditFields(),
  ]),
  { label: 'User', createable: true, updateable: true },
);

export const PROFILE = object('Profile', '00e', [
  field({ name: 'Id', type: 'id', label: 'Profile ID' }),
  str('Name', 255, 'Name'),
  str('Description', 255, 'Description'),
  ref('UserLicenseId', 'UserLicense', 'UserLicense', { label: 'User License ID' }),
  readOnly({ name: 'UserType', type: 'picklist', length: 40, label: 'User Type' }),
  ...PERMISSIONS,
  ...auditFields(),
]);

export const USER_LICENSE = object('UserLicense', '100', [
  field({ name: 'Id', type: 'id', label: 'User License ID' }),
  readOnly({ name: 'Name', type: 'string', length: 40, label: 'Name' }),
  readOnly({ name: 'MasterLabel', type: 'string', length: 40, label: 'Master Label' }),
  readOnly({ name: 'LicenseDefinitionKey', type: 'string', length: 40, label: 'License Definition Key' }),
  readOnly({ name: 'Status', type: 'picklist', length: 40, label: 'Status' }),
  readOnly({ name: 'TotalLicenses', type: 'int', label: 'Total Licenses' }),
  readOnly({ name: 'UsedLicenses', type: 'int', label: 'Used Licenses' }),
  ...auditFields(),
]);

export const PERMISSION_SET = object('PermissionSet', '0PS', [
  field({ name: 'Id', type: 'id', label: 'Permission Set ID' }),
  str('Name', 80, 'Name'),
  str('Label', 80, 'Label'),
  bool('IsOwnedByProfile', 'Is Owned By Profile'),
  ref('ProfileId', 'Profile', 'Profile', { label: 'Profile ID' }),
  // The permission set licence the set's permissions need (Salesforce's LicenseId also names user
  // licences; only permission set licences are modelled).
  ref('LicenseId', 'PermissionSetLicense', 'License', { label: 'License ID', createable: false, updateable: false }),
  ...PERMISSIONS,
  ...auditFields(),
]);

/** Assignments are created and deleted, never updated (the assignee and the set are fixed at insert). */
export const PERMISSION_SET_ASSIGNMENT = object(
  'PermissionSetAssignment',
  '0Pa',
  [
    field({ name: 'Id', type: 'id', label: 'Permission Set Assignment ID' }),
    ref('AssigneeId', 'User', 'Assignee', { label: 'Assignee ID', required: true, updateable: false }),
    // Nillable: an assignment of a permission set group names the group instead (API 45.0+).
    ref('PermissionSetId', 'PermissionSet', 'PermissionSet', { label: 'Permission Set ID', updateable: false }),
    ref('PermissionSetGroupId', 'PermissionSetGroup', 'PermissionSetGroup', {
      label: 'Permission Set Group ID',
      updateable: false,
    }),
    readOnly({ name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp' }),
  ],
  { label: 'Permission Set Assignment', createable: true, deletable: true },
);

/**
 * A group of permission sets (API 45.0+), assigned through PermissionSetAssignment.PermissionSetGroupId.
 * Only a group whose Status is `Updated` can be assigned (its permissions recalculated).
 */
export const PERMISSION_SET_GROUP = object('PermissionSetGroup', '0PG', [
  field({ name: 'Id', type: 'id', label: 'Permission Set Group ID' }),
  str('DeveloperName', 80, 'Developer Name'),
  str('MasterLabel', 80, 'Label'),
  str('Description', 255, 'Description'),
  readOnly({
    name: 'Status',
    type: 'picklist',
    length: 40,
    label: 'Status',
    picklist: ['Updated', 'Outdated', 'Updating', 'Failed'],
  }),
  ...auditFields(),
]);

/** A permission set licence (API 29.0+): counted, read-only through the API. */
export const PERMISSION_SET_LICENSE = object('PermissionSetLicense', '0PL', [
  field({ name: 'Id', type: 'id', label: 'Permission Set License ID' }),
  readOnly({ name: 'DeveloperName', type: 'string', length: 80, label: 'Developer Name' }),
  readOnly({ name: 'MasterLabel', type: 'string', length: 80, label: 'Permission Set License Label' }),
  readOnly({ name: 'PermissionSetLicenseKey', type: 'string', length: 81, label: 'Permission Set License Key' }),
  readOnly({ name: 'Status', type: 'picklist', length: 40, label: 'Status', picklist: ['Active', 'Disabled'] }),
  readOnly({ name: 'TotalLicenses', type: 'int', label: 'Total Licenses' }),
  readOnly({ name: 'UsedLicenses', type: 'int', label: 'Used Licenses' }),
  readOnly({ name: 'ExpirationDate', type: 'datetime', label: 'Expiration Date' }),
  ...auditFields(),
]);

/** A user's permission set licence: created and deleted, never updated. */
export const PERMISSION_SET_LICENSE_ASSIGN = object(
  'PermissionSetLicenseAssign',
  '2LA',
  [
    field({ name: 'Id', type: 'id', label: 'Permission Set License Assignment ID' }),
    ref('AssigneeId', 'User', 'Assignee', { label: 'User ID', required: true, updateable: false }),
    ref('PermissionSetLicenseId', 'PermissionSetLicense', 'PermissionSetLicense', {
      label: 'Permission Set License ID',
      required: true,
      updateable: false,
    }),
    readOnly({ name: 'SystemModstamp', type: 'datetime', label: 'Date Assigned' }),
  ],
  { label: 'Permission Set License Assignment', createable: true, deletable: true },
);

/** Public groups (`Regular`) and queues (`Queue`); the other types (Role, Organization, …) are not modelled. */
export const GROUP = object('Group', '00G', [
  field({ name: 'Id', type: 'id', label: 'Group ID' }),
  str('Name', 40, 'Name'),
  str('DeveloperName', 80, 'Developer Name'),
  readOnly({ name: 'Type', type: 'picklist', length: 40, label: 'Type', picklist: ['Regular', 'Queue'] }),
  ...auditFields(),
]);

/** A user's direct membership of a public group or queue: created and deleted, never updated. */
export const GROUP_MEMBER = object(
  'GroupMember',
  '011',
  [
    field({ name: 'Id', type: 'id', label: 'Group Member ID' }),
    ref('GroupId', 'Group', 'Group', { label: 'Group ID', required: true, updateable: false }),
    ref('UserOrGroupId', 'User', 'UserOrGroup', { label: 'User/Group ID', required: true, updateable: false }),
    readOnly({ name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp' }),
  ],
  { label: 'Group Member', createable: true, deletable: true },
);

export const USER_ROLE = object('UserRole', '00E', [
  field({ name: 'Id', type: 'id', label: 'Role ID' }),
  str('Name', 80, 'Name'),
  str('DeveloperName', 80, 'Developer Name'),
  ref('ParentRoleId', 'UserRole', 'ParentRole', { label: 'Parent Role ID' }),
  readOnly({ name: 'LastModifiedDate', type: 'datetime', label: 'Last Modified Date' }),
  readOnly({ name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp' }),
]);

/** UserLogin carries the freeze flag (reference §4.5): update-able IsFrozen, API v29.0+. */
export const USER_LOGIN = object(
  'UserLogin',
  '06c',
  [
    field({ name: 'Id', type: 'id', label: 'User Login ID' }),
    readOnly({ name: 'UserId', type: 'reference', referenceTo: 'User', label: 'User ID' }),
    bool('IsFrozen', 'Is Frozen'),
    bool('IsPasswordLocked', 'Is Password Locked'),
    readOnly({ name: 'LastModifiedDate', type: 'datetime', label: 'Last Modified Date' }),
  ],
  { label: 'User Login', updateable: true },
);

/**
 * ActiveFeatureLicenseMetric (Object Reference, API 52.0+; describeSObjects, query, retrieve): the
 * org's feature licences, purchased (`TotalLicenseCount`) and assigned (`AssignedUserCount`), one
 * row per `FeatureType` and `MetricsDate`. Salesforce collects the metrics periodically; the
 * simulator computes them when queried, for the features the org was given a total for.
 * `ActiveUserCount` (logged in within 30 days) is not modelled: null. The key prefix is an
 * assumption (none of our sources gives it).
 */
export const ACTIVE_FEATURE_LICENSE_METRIC = object(
  'ActiveFeatureLicenseMetric',
  '0kF',
  [
    field({ name: 'Id', type: 'id', label: 'Active Feature License Metric ID' }),
    readOnly({ name: 'FeatureType', type: 'picklist', length: 40, label: 'Primary Grain' }),
    readOnly({ name: 'TotalLicenseCount', type: 'int', label: 'Total License Count' }),
    readOnly({ name: 'AssignedUserCount', type: 'int', label: 'Assigned User Count' }),
    readOnly({ name: 'ActiveUserCount', type: 'int', label: 'Active User Count' }),
    readOnly({ name: 'MetricsDate', type: 'date', label: 'Metrics Date' }),
    readOnly({ name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp' }),
  ],
  { label: 'Active Feature License Metric', createable: false, updateable: false },
);

/** Every object the simulator can describe and query, by lower-cased name. */
export const OBJECTS: ReadonlyMap<string, ObjectDef> = new Map(
  [
    USER,
    PROFILE,
    USER_LICENSE,
    PERMISSION_SET,
    PERMISSION_SET_ASSIGNMENT,
    GROUP,
    GROUP_MEMBER,
    PERMISSION_SET_GROUP,
    PERMISSION_SET_LICENSE,
    PERMISSION_SET_LICENSE_ASSIGN,
    USER_ROLE,
    USER_LOGIN,
    ACTIVE_FEATURE_LICENSE_METRIC,
  ].map((o) => [o.name.toLowerCase(), o]),
);

/** The object def for a name, case-insensitively, as Salesforce resolves sObject names. */
export function objectDef(name: string): ObjectDef | undefined {
  return OBJECTS.get(name.toLowerCase());
}

/** A custom field an admin adds to an object in Setup (Text fields only, as Provision needs). */
export interface CustomFieldSpec {
  /** API name, ending in `__c`. */
  readonly name: string;
  readonly label?: string;
  /** Text length, 1–255. */
  readonly length?: number;
  readonly externalId?: boolean;
  readonly unique?: boolean;
}

/** The object with an org's custom fields added; refuses a name Salesforce would refuse. */
export function withCustomFields(base: ObjectDef, specs: readonly CustomFieldSpec[]): ObjectDef {
  if (specs.length === 0) return base;
  const added = specs.map((spec) => {
    if (!/^[A-Za-z][A-Za-z0-9_]*__c$/.test(spec.name) || spec.name.includes('___')) {
      throw new Error(
        `custom field "${spec.name}" on ${base.name}: an API name is letters, digits and _ ending in __c`,
      );
    }
    if (base.byName.has(spec.name.toLowerCase())) {
      throw new Error(`custom field "${spec.name}" on ${base.name}: the object already has a field of that name`);
    }
    const length = spec.length ?? 255;
    if (!Number.isInteger(length) || length < 1 || length > 255) {
      throw new Error(`custom field "${spec.name}" on ${base.name}: a Text field's length is 1–255, not ${length}`);
    }
    return str(spec.name, length, spec.label ?? spec.name.slice(0, -3).replaceAll('_', ' '), {
      custom: true,
      externalId: spec.externalId === true,
      unique: spec.unique === true,
    });
  });
  return object(base.name, base.keyPrefix, [...base.fields, ...added], {
    label: base.label,
    labelPlural: base.labelPlural,
    createable: base.createable,
    updateable: base.updateable,
    deletable: base.deletable,
  });
}
