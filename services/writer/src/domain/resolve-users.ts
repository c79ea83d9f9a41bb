import type { ProvisioningCommandV1 } from '@provision/events';
import { matchingOf, matchKey, previousValueOf } from './command-parts.ts';
import { desiredFields, type Resolution } from './plan.ts';
import type { ExistingSalesforceUser, LinkStore } from './ports.ts';

// Fields read back on every user: the writer needs them to decide and to report.
const ALWAYS_READ = ['Username', 'IsActive'];

/**
 * The Salesforce user of each command, if any: by the stored link (Redis), then by the durable link
 * field (the Entra object id the mapping has Provision write on the user), then by the matching
 * attribute. A stored link to a user Salesforce no longer has is deleted, and the user found again;
 * a user found by the link field is linked again in Redis. A `linkedOnly` command is never matched
 * by the matching attribute: only its link may find it.
 */
export async function resolveUsers(
  commands: readonly ProvisioningCommandV1[],
  deps: {
    readonly links: LinkStore;
    /** Users whose `attribute` is one of `values`, with `fields` (the caller chunks and meters). */
    readonly query: (
      attribute: string,
      values: readonly string[],
      fields: readonly string[],
    ) => Promise<ExistingSalesforceUser[]>;
    /**
     * Several lookups in one call, one list of users per lookup; absent, `query` one after the
     * other. With it, the link field and the matching attribute are looked up together.
     */
    readonly queryEach?: (
      lookups: readonly { readonly attribute: string; readonly values: readonly string[] }[],
      fields: readonly string[],
    ) => Promise<ExistingSalesforceUser[][]>;
    /** The mapping's usernameCollision suffix: a user matched by Username is also looked for suffixed. */
    readonly usernameSuffix?: string | undefined;
  },
): Promise<Map<ProvisioningCommandV1, Resolution>> {
  const out = new Map<ProvisioningCommandV1, Resolution>();
  const stored = await deps.links.getMany([...new Set(commands.map((c) => c.userId))]);
  const fieldNames = new Set(ALWAYS_READ);
  for (const c of commands) {
    for (const f of Object.keys(desiredFields(c))) fieldNames.add(f);
    const m = matchingOf(c);
    if (m) fieldNames.add(m.attribute);
    if (c.link) fieldNames.add(c.link.field);
  }
  const fields = [...fieldNames];

  const linkOf = (c: ProvisioningCommandV1) => stored.get(c.userId) ?? c.salesforceId ?? undefined;
  const linkedIds = [...new Set(commands.map(linkOf).filter((id): id is string => id !== undefined))];
  const byId = new Map<string, ExistingSalesforceUser>();
  for (const users of await deps.query('Id', linkedIds, fields)) byId.set(users.id, users);

  const stale: string[] = [];
  const unlinked: ProvisioningCommandV1[] = [];
  for (const c of commands) {
    const id = linkOf(c);
    const user = id === undefined ? undefined : byId.get(id);
    if (user) {
      out.set(c, { kind: 'linked', user });
      continue;
    }
    // A link to a user Salesforce no longer has (another org, a sandbox refresh): match again.
    if (id !== undefined && stored.has(c.userId)) stale.push(c.userId);
    unlinked.push(c);
  }
  if (stale.length > 0) await deps.links.deleteMany(stale);

  const suffix = deps.usernameSuffix;
  // A user created suffixed after a collision in another org (usernameCollision) is found suffixed.
  const variants = (attribute: string, value: string | undefined): string[] =>
    !value ? [] : attribute === 'Username' && suffix ? [value, `${value}${suffix}`] : [value];
  const valuesOf = (attribute: string, group: readonly ProvisioningCommandV1[]) => [
    ...new Set(
      group.flatMap((c) => [
        ...variants(attribute, matchingOf(c)?.value),
        ...variants(attribute, previousValueOf(c, attribute)),
      ]),
    ),
  ];
  const byValue = (attribute: string, users: readonly ExistingSalesforceUser[]) => {
    const found = new Map<string, ExistingSalesforceUser[]>();
    for (const user of users) {
      const value = user.fields[attribute];
      if (typeof value !== 'string') continue;
      const key = matchKey(attribute, value);
      found.set(key, [...(found.get(key) ?? []), user]);
    }
    return found;
  };

  // By the link field, then by the matching attribute those it did not find. A directory that takes
  // several lookups at once gets them all in one call: the matching attribute of every unlinked
  // command that may be matched, found by its link field or not (the answer for those found is not
  // used), so that a flush of new users costs one call to look for them however many values.
  const linkGroups = groupBy(
    unlinked.filter((c) => c.link),
    (c) => c.link!.field,
  );
  const matchGroups = groupBy(
    unlinked.filter((c) => !c.linkedOnly && matchingOf(c)),
    (c) => matchingOf(c)!.attribute,
  );
  const early = new Map<string, Map<string, ExistingSalesforceUser[]>>();
  let byField: Map<ProvisioningCommandV1, ExistingSalesforceUser[]>;
  if (deps.queryEach && linkGroups.size + matchGroups.size > 0) {
    const links = [...linkGroups].map(([field, group]) => ({
      attribute: field,
      values: [...new Set(group.map((c) => c.link!.value))],
    }));
    const matches = [...matchGroups].map(([attribute, group]) => ({ attribute, values: valuesOf(attribute, group) }));
    const answers = await deps.queryEach([...links, ...matches], fields);
    byField = linkedBy(linkGroups, (n) => answers[n] ?? []);
    for (const [n, m] of matches.entries())
      early.set(m.attribute, byValue(m.attribute, answers[links.length + n] ?? []));
  } else {
    byField = await findByLinkField(linkGroups, fields, deps);
  }
  const relinked = new Map<string, string>();
  const toMatch = new Map<string, ProvisioningCommandV1[]>();
  for (const c of unlinked) {
    const users = byField.get(c) ?? [];
    if (users.length > 1) {
      out.set(c, { kind: 'ambiguous', ids: users.map((u) => u.id) });
      continue;
    }
    if (users[0]) {
      out.set(c, { kind: 'linked', user: users[0] });
      relinked.set(c.userId, users[0].id);
      continue;
    }
    if (c.linkedOnly) {
      out.set(c, { kind: 'none' });
      continue;
    }
    const m = matchingOf(c);
    if (!m) {
      out.set(c, { kind: 'unmatchable', missing: c.matching?.attribute ?? 'Username' });
      continue;
    }
    toMatch.set(m.attribute, [...(toMatch.get(m.attribute) ?? []), c]);
  }
  if (relinked.size > 0) await deps.links.setMany(relinked);

  for (const [attribute, group] of toMatch) {
    const found =
      early.get(attribute) ?? byValue(attribute, await deps.query(attribute, valuesOf(attribute, group), fields));
    for (const c of group) {
      const previous = previousValueOf(c, attribute);
      const users =
        [...variants(attribute, matchingOf(c)?.value), ...variants(attribute, previous)]
          .map((v) => found.get(matchKey(attribute, v)))
          .find((u) => u !== undefined) ?? [];
      if (users.length === 1 && users[0]) out.set(c, { kind: 'matched', user: users[0] });
      else if (users.length > 1) out.set(c, { kind: 'ambiguous', ids: users.map((u) => u.id) });
      else out.set(c, { kind: 'none' });
    }
  }
  return out;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** Each command's users by its link field value, from the users found per link field. */
function linkedBy(
  groups: ReadonlyMap<string, readonly ProvisioningCommandV1[]>,
  usersOf: (n: number) => readonly ExistingSalesforceUser[],
): Map<ProvisioningCommandV1, ExistingSalesforceUser[]> {
  const out = new Map<ProvisioningCommandV1, ExistingSalesforceUser[]>();
  for (const [n, [field, group]] of [...groups].entries()) {
    const found = new Map<string, ExistingSalesforceUser[]>();
    for (const user of usersOf(n)) {
      const value = user.fields[field];
      // Object ids are GUIDs: compared without regard to case, as Salesforce compares a Text field.
      if (typeof value === 'string') found.set(value.toLowerCase(), [...(found.get(value.toLowerCase()) ?? []), user]);
    }
    for (const c of group) out.set(c, found.get(c.link!.value.toLowerCase()) ?? []);
  }
  return out;
}

/**
 * The users carrying each command's link (the Entra object id in the mapping's link field), by
 * command, one query per link field: `groups` are the commands by their link field.
 */
async function findByLinkField(
  groups: ReadonlyMap<string, readonly ProvisioningCommandV1[]>,
  fields: readonly string[],
  deps: Parameters<typeof resolveUsers>[1],
): Promise<Map<ProvisioningCommandV1, ExistingSalesforceUser[]>> {
  const answers: ExistingSalesforceUser[][] = [];
  for (const [field, group] of groups)
    answers.push(await deps.query(field, [...new Set(group.map((c) => c.link!.value))], fields));
  return linkedBy(groups, (n) => answers[n] ?? []);
}
