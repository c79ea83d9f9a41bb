import type { ModifiedProperty, ProvisioningCommandV1, ResultError } from '@provision/events';
import { REQUIRED_ON_CREATE } from '@provision/mapping';
import { creationProperties, fieldDiff } from './diff.ts';
import type { ExistingSalesforceUser, Fields } from './ports.ts';
import { recommendedActionFor } from './recommended-actions.ts';

/** How the writer found the Salesforce user of a command, before planning. */
export type Resolution =
  | { readonly kind: 'linked'; readonly user: ExistingSalesforceUser }
  | { readonly kind: 'matched'; readonly user: ExistingSalesforceUser }
  | { readonly kind: 'ambiguous'; readonly ids: readonly string[] }
  | { readonly kind: 'unmatchable'; readonly missing: string }
  | { readonly kind: 'none' };

export type LinkedBy = 'created' | 'matched' | 'link' | 'none';

/** What the writer will do for one command. */
export type Plan =
  | { readonly kind: 'create'; readonly fields: Fields; readonly modified: ModifiedProperty[] }
  | {
      readonly kind: 'update';
      readonly salesforceId: string;
      readonly linkedBy: LinkedBy;
      readonly fields: Fields;
      readonly modified: ModifiedProperty[];
    }
  /** Salesforce already holds the desired state: success with nothing modified. */
  | { readonly kind: 'noop'; readonly salesforceId: string; readonly linkedBy: LinkedBy }
  | {
      readonly kind: 'done';
      readonly status: 'skipped' | 'failure';
      readonly salesforceId: string | null;
      readonly linkedBy: LinkedBy;
      readonly error: ResultError | null;
    };

// Salesforce refuses to create a user without these (reference §4.1); `ProfileName` stands for
// `ProfileId`. The mapping engine checks the same list before a command is even sent.
export { REQUIRED_ON_CREATE };

/** The fields of a command a Salesforce user is created with (`create`, or an unmatched update that carries them all). */
function canCreateFrom(fields: Fields): boolean {
  return REQUIRED_ON_CREATE.every((f) => fields[f] !== undefined && fields[f] !== null && fields[f] !== '');
}

/**
 * The fields to create the command's user with when Salesforce has none, or null when the command
 * does not create: a `create`; an `update` or `reactivate` whose `createFields` (or whose own
 * fields) hold everything Salesforce requires — its create was overtaken while in flight, or failed.
 */
function creationFieldsOf(command: ProvisioningCommandV1): Fields | null {
  if (command.action === 'create') return desiredFields(command);
  if (command.action !== 'update' && command.action !== 'reactivate') return null;
  // IsActive and IsFrozen are a reactivation's, not a new user's (who is active, unfrozen).
  const fields = Object.fromEntries(
    Object.entries({ ...command.createFields, ...command.fields }).filter(
      ([k]) => k !== 'IsActive' && k !== 'IsFrozen',
    ),
  );
  return canCreateFrom(fields) ? fields : null;
}

/**
 * The fields a command wants on an existing user: `disable` and `reactivate` also set `IsActive`,
 * except a freeze (`disable` with IsFrozen alone), which keeps the user active and its licence.
 */
export function desiredFields(command: ProvisioningCommandV1): Fields {
  if (command.action === 'disable') {
    const freezeOnly = command.fields['IsFrozen'] === true && command.fields['IsActive'] === undefined;
    return freezeOnly ? { ...command.fields } : { ...command.fields, IsActive: false };
  }
  if (command.action === 'reactivate') return { ...command.fields, IsActive: true };
  return command.fields;
}

export function error(
  code: string,
  message: string,
  options: { fields?: string[]; retriable?: boolean; salesforceCode?: string } = {},
): ResultError {
  return {
    code,
    message,
    retriable: options.retriable ?? false,
    fields: options.fields ?? [],
    recommendedAction: recommendedActionFor(code, options.salesforceCode),
  };
}

/**
 * Decides, purely, what to do for a command once its Salesforce user is resolved (Entra's
 * "match, then create or update" step, reference §2.4):
 *
 * - `skip` → skipped, no Salesforce call.
 * - a user found (stored link or matching attribute) → update of only the fields that differ, or
 *   nothing when none does; a `create` for a user that exists is such an update (`linkedBy: matched`).
 * - no user found: `create` creates. `update` and `reactivate` create too when the command carries
 *   every field Salesforce requires, in `createFields` or its own fields (Entra creates an in-scope
 *   user missing from the target);
 *   otherwise, like `disable`, they are skipped with `SalesforceUserNotFound` (nothing to change).
 * - several users share the matching value → failure `DuplicateTargetEntries` (Entra's code).
 */
export function planCommand(
  command: ProvisioningCommandV1,
  resolution: Resolution,
  options: { readonly usernameSuffix?: string | undefined } = {},
): Plan {
  if (command.action === 'skip') {
    // The result schema has no reasons: the mapper's reasons travel as the skip's explanation.
    return {
      kind: 'done',
      status: 'skipped',
      salesforceId: command.salesforceId ?? null,
      linkedBy: 'none',
      error: {
        code: 'EntrySynchronizationSkipped',
        message:
          command.reasons.map((r) => `${r.code}: ${r.message}`).join('; ') || 'The mapper decided to skip this user',
        retriable: false,
        fields: [],
      },
    };
  }
  if (resolution.kind === 'ambiguous') {
    return {
      kind: 'done',
      status: 'failure',
      salesforceId: null,
      linkedBy: 'none',
      error: error(
        'DuplicateTargetEntries',
        `${resolution.ids.length} Salesforce users match ${command.matching?.attribute ?? 'the matching attribute'} "${command.matching?.value ?? ''}": ${resolution.ids.join(', ')}`,
        { fields: command.matching ? [command.matching.attribute] : [] },
      ),
    };
  }
  if (resolution.kind === 'linked' || resolution.kind === 'matched') {
    const linkedBy = resolution.kind === 'linked' ? 'link' : 'matched';
    const { fields, modified } = fieldDiff(desiredFields(command), resolution.user.fields, options);
    if (modified.length === 0) return { kind: 'noop', salesforceId: resolution.user.id, linkedBy };
    return { kind: 'update', salesforceId: resolution.user.id, linkedBy, fields, modified };
  }
  const createFields = creationFieldsOf(command);
  const wantsCreate = createFields !== null;
  if (resolution.kind === 'unmatchable' && wantsCreate) {
    // Creating without a matching value could create a second user on redelivery: refuse.
    return {
      kind: 'done',
      status: 'failure',
      salesforceId: null,
      linkedBy: 'none',
      error: error('SalesforceRequiredFieldMissing', `No value for the matching attribute ${resolution.missing}`, {
        fields: [resolution.missing],
      }),
    };
  }
  if (createFields !== null)
    return { kind: 'create', fields: createFields, modified: creationProperties(createFields) };
  if (command.linkedOnly) {
    return {
      kind: 'done',
      status: 'skipped',
      salesforceId: null,
      linkedBy: 'none',
      error: error(
        'SalesforceUserNotFound',
        `No Salesforce user carries the link of Entra user ${command.userId}${command.link ? ` (${command.link.field})` : ''}: Provision did not provision it, or it is already gone; nothing to ${command.action}`,
      ),
    };
  }
  return {
    kind: 'done',
    status: 'skipped',
    salesforceId: null,
    linkedBy: 'none',
    error: error(
      'SalesforceUserNotFound',
      `No Salesforce user is linked to Entra user ${command.userId} or matches ${command.matching ? `${command.matching.attribute} "${command.matching.value}"` : 'it'}; nothing to ${command.action}`,
    ),
  };
}
