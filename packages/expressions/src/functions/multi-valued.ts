import type { FunctionImplementation } from '../context.ts';
import { toInteger, toTexts } from '../values.ts';

// Multi-valued attributes and app role assignments. A single value counts as a list of one,
// an absent attribute as an empty list.

/** Count(attribute): the number of values (0 when absent, 1 for a single value). */
const count: FunctionImplementation = (ctx) => toTexts(ctx.arg(0)).length;

/** Item(attribute, index): the value at a 1-based index; past the end → null. Index 0 or less fails. */
const item: FunctionImplementation = (ctx) => {
  const index = toInteger(ctx.arg(1), 'a whole-number index');
  if (index < 1) ctx.fail(`index is 1-based and must be 1 or more, but was ${index}`);
  return toTexts(ctx.arg(0))[index - 1] ?? null;
};

/** RemoveDuplicates(attribute): the values with later (case-sensitive) duplicates removed, in order. */
const removeDuplicates: FunctionImplementation = (ctx) => {
  const value = ctx.arg(0);
  if (value === null) return null;
  return [...new Set(toTexts(value))];
};

/**
 * SingleAppRoleAssignment([appRoleAssignments]): the one role name of a user's assignments to the
 * app (a list of role values or display names). The same role reached twice (directly and through
 * a group) counts once. No assignment → null. Entra does not support two distinct roles ("the
 * returned role string might not be predictable"); Provision refuses them with an error naming
 * both, instead of picking one.
 */
const singleAppRoleAssignment: FunctionImplementation = (ctx) => {
  const roles = [...new Set(toTexts(ctx.arg(0)).filter((r) => r !== ''))];
  if (roles.length === 0) return null;
  if (roles.length > 1) {
    const names = roles.map((r) => `"${r}"`);
    ctx.fail(
      `the user has ${roles.length} different app roles (${names.slice(0, -1).join(', ')} and ${names.at(-1)}), ` +
        'but the attribute mapping only supports provisioning one role',
    );
  }
  return roles[0]!;
};

/** AppRoleAssignmentsComplex([appRoleAssignments]): every distinct role, as a multi-valued result. */
const appRoleAssignmentsComplex: FunctionImplementation = (ctx) => [
  ...new Set(toTexts(ctx.arg(0)).filter((r) => r !== '')),
];

export const MULTI_VALUED_FUNCTIONS: ReadonlyMap<string, FunctionImplementation> = new Map([
  ['AppRoleAssignmentsComplex', appRoleAssignmentsComplex],
  ['Count', count],
  ['Item', item],
  ['RemoveDuplicates', removeDuplicates],
  ['SingleAppRoleAssignment', singleAppRoleAssignment],
]);
