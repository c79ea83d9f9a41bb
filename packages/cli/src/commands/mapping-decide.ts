import type { AppRoleAssignment, CurrentSalesforceUser, EntraUser } from '@provision/mapping';
import { CliExit, EXIT } from '../io.ts';

/** What `provision mapping decide` reads: one user's picture, as the mapper holds it. */
export interface DecideInput {
  readonly user: EntraUser;
  readonly assignments: readonly AppRoleAssignment[];
  readonly current: CurrentSalesforceUser | null;
  readonly granted?: { readonly permissionSets?: readonly string[]; readonly userRole?: string | null };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and checks the shape of a decide input (JSON text); throws CliExit(2) naming what is wrong. */
export function parseDecideInput(text: string, file: string): DecideInput {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CliExit(EXIT.invalid, `error: ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const fail = (what: string) => new CliExit(EXIT.invalid, `error: ${file}: ${what}`);
  if (!isObject(raw)) throw fail('expected an object {"user", "assignments", "current"}');
  const user = raw['user'];
  if (!isObject(user) || typeof user['id'] !== 'string') throw fail('user.id must be a string (the Entra object id)');
  if (user['attributes'] !== undefined && !isObject(user['attributes']))
    throw fail('user.attributes must be an object');
  const memberOf = user['memberOf'] ?? [];
  if (!Array.isArray(memberOf) || !memberOf.every((g) => typeof g === 'string')) {
    throw fail('user.memberOf must be an array of group ids');
  }
  const assignments = raw['assignments'] ?? [];
  if (!Array.isArray(assignments)) throw fail('assignments must be an array');
  assignments.forEach((a, i) => {
    if (
      !isObject(a) ||
      typeof a['principalId'] !== 'string' ||
      (a['principalType'] !== 'User' && a['principalType'] !== 'Group')
    ) {
      throw fail(`assignments[${i}] needs principalId and principalType ("User" or "Group")`);
    }
  });
  const current = raw['current'] ?? null;
  if (
    current !== null &&
    (!isObject(current) || typeof current['Id'] !== 'string' || typeof current['IsActive'] !== 'boolean')
  ) {
    throw fail('current must be null or a Salesforce user with Id (string) and IsActive (Boolean)');
  }
  const normalizedAssignments = assignments.map((a) => ({
    appRoleId: '',
    roleValue: null,
    ...(a as Record<string, unknown>),
  })) as unknown as AppRoleAssignment[];
  return {
    user: { attributes: {}, ...user, memberOf } as unknown as EntraUser,
    assignments: normalizedAssignments,
    current: current as CurrentSalesforceUser | null,
    ...(isObject(raw['granted']) ? { granted: raw['granted'] as DecideInput['granted'] & object } : {}),
  };
}
