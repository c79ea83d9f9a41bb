import type { ProvisioningCommandV1 } from '@provision/events';
import type { CurrentSalesforceUser, Decision } from '@provision/mapping';
import type { UserPicture } from './picture.ts';

/** The types a command carries in their own optional fields (permission sets are always there). */
const OPTIONAL = ['permissionSetGroups', 'permissionSetLicenses'] as const;
type Optional = (typeof OPTIONAL)[number];
const FIELDS = { permissionSetGroups: 'PermissionSetGroups', permissionSetLicenses: 'PermissionSetLicenses' } as const;

const changes = (decision: Decision, kind: Optional) => decision[kind] ?? { add: [], remove: [] };

/** The command's permissionSetGroups and permissionSetLicenses, each only when something changes. */
export function namedCommandParts(
  decision: Decision,
): Pick<ProvisioningCommandV1, 'permissionSetGroups' | 'permissionSetLicenses'> {
  const out: Pick<ProvisioningCommandV1, 'permissionSetGroups' | 'permissionSetLicenses'> = {};
  for (const kind of OPTIONAL) {
    const { add, remove } = changes(decision, kind);
    if (add.length + remove.length > 0) out[kind] = { add: [...add], remove: [...remove] };
  }
  return out;
}

/** The user's permission set groups and licences once the decision is carried out (what the picture believes). */
export function commandedNamed(base: CurrentSalesforceUser, decision: Decision): Partial<CurrentSalesforceUser> {
  const out: Record<string, readonly string[]> = {};
  for (const kind of OPTIONAL) {
    const field = FIELDS[kind];
    const { add, remove } = changes(decision, kind);
    const held = base[field] as readonly string[] | undefined;
    if (add.length + remove.length === 0) {
      if (held) out[field] = held;
      continue;
    }
    const next = new Set(held ?? []);
    for (const n of add) next.add(n);
    for (const n of remove) next.delete(n);
    out[field] = [...next].sort();
  }
  return out as Partial<CurrentSalesforceUser>;
}

/**
 * What Provision granted of each type once the decision is carried out: kept in the picture (in
 * Redis, so it survives restarts), so that under `merge` a user who leaves the Entra group loses
 * only what Provision gave. A type nothing was ever granted of stays absent.
 */
export function grantedNamed(
  granted: UserPicture['granted'],
  decision: Decision,
): Pick<UserPicture['granted'], Optional> {
  const out: Pick<UserPicture['granted'], Optional> = {};
  for (const kind of OPTIONAL) {
    const next = new Set(granted[kind] ?? []);
    const { add, remove } = changes(decision, kind);
    for (const n of add) next.add(n);
    for (const n of remove) next.delete(n);
    if (next.size > 0) out[kind] = [...next].sort();
  }
  return out;
}
