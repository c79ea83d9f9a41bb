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

  const byField = await findByLinkField(unlinked, fields, deps);
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

  const suffix = deps.usernameSuffix;
  // A user created suffixed after a collision in another org (usernameCollision) is found suffixed.
  const variants = (attribute: string, value: string | undefined): string[] =>
    !value ? [] : attribute === 'Username' && suffix ? [value, `${value}${suffix}`] : [value];
  for (const [attribute, group] of toMatch) {
    const values = [
      ...new Set(
        group.flatMap((c) => [
          ...variants(attribute, matchingOf(c)?.value),
          ...variants(attribute, previousValueOf(c, attribute)),
        ]),
      ),
    ];
    const found = new Map<string, ExistingSalesforceUser[]>();
    for (const user of await deps.query(attribute, values, fields)) {
      const value = user.fields[attribute];
      if (typeof value !== 'string') continue;
      const key = matchKey(attribute, value);
      found.set(key, [...(found.get(key) ?? []), user]);
    }
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

/** The users carrying each command's link (the Entra object id in the mapping's link field), by command. */
async function findByLinkField(
  commands: readonly ProvisioningCommandV1[],
  fields: readonly string[],
  deps: Parameters<typeof resolveUsers>[1],
): Promise<Map<ProvisioningCommandV1, ExistingSalesforceUser[]>> {
  const out = new Map<ProvisioningCommandV1, ExistingSalesforceUser[]>();
  const byFieldName = new Map<string, ProvisioningCommandV1[]>();
  for (const c of commands) if (c.link) byFieldName.set(c.link.field, [...(byFieldName.get(c.link.field) ?? []), c]);
  for (const [field, group] of byFieldName) {
    const found = new Map<string, ExistingSalesforceUser[]>();
    for (const user of await deps.query(field, [...new Set(group.map((c) => c.link!.value))], fields)) {
      const value = user.fields[field];
      // Object ids are GUIDs: compared without regard to case, as Salesforce compares a Text field.
      if (typeof value === 'string') found.set(value.toLowerCase(), [...(found.get(value.toLowerCase()) ?? []), user]);
    }
    for (const c of group) out.set(c, found.get(c.link!.value.toLowerCase()) ?? []);
  }
  return out;
}
