import type { ProvisioningCommandV1 } from '@provision/events';
import { matchingOf, matchKey, previousValueOf } from './domain/command-parts.ts';
import { desiredFields, type Resolution } from './domain/plan.ts';
import type { LinkStore, SalesforceUser } from './domain/ports.ts';

// Fields read back on every user: the writer needs them to decide and to report.
const ALWAYS_READ = ['Username', 'IsActive'];

/**
 * Links first, then the matching attribute: the Salesforce user of each command, if any. A stored
 * link to a user Salesforce no longer has is deleted, and the user matched again.
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
    ) => Promise<SalesforceUser[]>;
  },
): Promise<Map<ProvisioningCommandV1, Resolution>> {
  const out = new Map<ProvisioningCommandV1, Resolution>();
  const stored = await deps.links.getMany([...new Set(commands.map((c) => c.userId))]);
  const fieldNames = new Set(ALWAYS_READ);
  for (const c of commands) {
    for (const f of Object.keys(desiredFields(c))) fieldNames.add(f);
    const m = matchingOf(c);
    if (m) fieldNames.add(m.attribute);
  }
  const fields = [...fieldNames];

  const linkOf = (c: ProvisioningCommandV1) => stored.get(c.userId) ?? c.salesforceId ?? undefined;
  const linkedIds = [...new Set(commands.map(linkOf).filter((id): id is string => id !== undefined))];
  const byId = new Map<string, SalesforceUser>();
  for (const users of await deps.query('Id', linkedIds, fields)) byId.set(users.id, users);

  const stale: string[] = [];
  const toMatch = new Map<string, ProvisioningCommandV1[]>();
  for (const c of commands) {
    const id = linkOf(c);
    const user = id === undefined ? undefined : byId.get(id);
    if (user) {
      out.set(c, { kind: 'linked', user });
      continue;
    }
    // A link to a user Salesforce no longer has (another org, a sandbox refresh): match again.
    if (id !== undefined && stored.has(c.userId)) stale.push(c.userId);
    const m = matchingOf(c);
    if (!m) {
      out.set(c, { kind: 'unmatchable', missing: c.matching?.attribute ?? 'Username' });
      continue;
    }
    toMatch.set(m.attribute, [...(toMatch.get(m.attribute) ?? []), c]);
  }
  if (stale.length > 0) await deps.links.deleteMany(stale);

  for (const [attribute, group] of toMatch) {
    const values = [
      ...new Set(
        group.flatMap((c) => [matchingOf(c)?.value ?? '', previousValueOf(c, attribute) ?? ''].filter(Boolean)),
      ),
    ];
    const found = new Map<string, SalesforceUser[]>();
    for (const user of await deps.query(attribute, values, fields)) {
      const value = user.fields[attribute];
      if (typeof value !== 'string') continue;
      const key = matchKey(attribute, value);
      found.set(key, [...(found.get(key) ?? []), user]);
    }
    for (const c of group) {
      const previous = previousValueOf(c, attribute);
      const users =
        found.get(matchKey(attribute, matchingOf(c)?.value ?? '')) ??
        (previous === undefined ? undefined : found.get(matchKey(attribute, previous))) ??
        [];
      if (users.length === 1 && users[0]) out.set(c, { kind: 'matched', user: users[0] });
      else if (users.length > 1) out.set(c, { kind: 'ambiguous', ids: users.map((u) => u.id) });
      else out.set(c, { kind: 'none' });
    }
  }
  return out;
}
