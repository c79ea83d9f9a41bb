import { createHash } from 'node:crypto';
import type { MappingConfig } from '@provision/mapping';

/** One difference between two mappings: an attribute mapping, a rule, a scoping filter or a setting. */
export interface MappingDiffEntry {
  readonly kind:
    | 'mapping'
    | 'roleRule'
    | 'permissionSetRule'
    | 'groupMembershipRule'
    | 'featureLicenseRule'
    | 'permissionSetGroupRule'
    | 'permissionSetLicenseRule'
    | 'scopingFilter'
    | 'setting';
  /** The attribute mapping's target, the rule's group, the filter's name (or position), the setting's name. */
  readonly key: string;
  readonly change: 'added' | 'changed' | 'removed';
}

/** JSON with object keys sorted, so that equal mappings serialise alike whatever the file's order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The mapping's fingerprint: SHA-256 of the validated configuration (defaults applied, keys sorted),
 * 16 hex digits. Comments, spacing and key order in the file do not change it; any setting does.
 */
export function mappingFingerprint(config: MappingConfig): string {
  return createHash('sha256').update(canonical(config)).digest('hex').slice(0, 16);
}

function keyed<T>(
  kind: MappingDiffEntry['kind'],
  before: readonly T[],
  after: readonly T[],
  keyOf: (item: T, index: number) => string,
): MappingDiffEntry[] {
  const index = (items: readonly T[]) => {
    const out = new Map<string, string>();
    items.forEach((item, i) => {
      const key = keyOf(item, i);
      // Two entries with one key (two rules for one group): told apart by their order.
      out.set(out.has(key) ? `${key} #${i + 1}` : key, canonical(item));
    });
    return out;
  };
  const [b, a] = [index(before), index(after)];
  const out: MappingDiffEntry[] = [];
  for (const [key, value] of a) {
    const old = b.get(key);
    if (old === undefined) out.push({ kind, key, change: 'added' });
    else if (old !== value) out.push({ kind, key, change: 'changed' });
  }
  for (const key of b.keys()) if (!a.has(key)) out.push({ kind, key, change: 'removed' });
  return out;
}

/**
 * What changed from one mapping to the next: attribute mappings by target, role and permission-set
 * rules by group, scoping filters by name (or position), and the settings (scope, deprovisioning,
 * link, picklist checks, the multiple-roles policy, the username collision suffix, the entitlement modes). Role rules are ordered (the first match wins): a reordering alone shows
 * as `(order)` changed.
 */
export function diffMappings(before: MappingConfig, after: MappingConfig): MappingDiffEntry[] {
  const settings: MappingDiffEntry[] = [];
  for (const name of [
    'scope',
    'deprovisioning',
    'link',
    'validatePicklists',
    'multipleRoles',
    'usernameCollision',
    'entitlementModes',
  ] as const) {
    const [b, a] = [before[name], after[name]];
    if (canonical(b) === canonical(a)) continue;
    settings.push({
      kind: 'setting',
      key: name,
      change: b === undefined ? 'added' : a === undefined ? 'removed' : 'changed',
    });
  }
  const roles = keyed('roleRule', before.roleRules, after.roleRules, (r) => r.group);
  const order = (rules: MappingConfig['roleRules']) => rules.map((r) => r.group).join(',');
  if (roles.length === 0 && order(before.roleRules) !== order(after.roleRules))
    roles.push({ kind: 'roleRule', key: '(order)', change: 'changed' });
  return [
    ...keyed('mapping', before.mappings, after.mappings, (m) => m.target),
    ...roles,
    ...keyed('permissionSetRule', before.permissionSetRules, after.permissionSetRules, (r) => r.group),
    ...keyed('groupMembershipRule', before.groupMembershipRules, after.groupMembershipRules, (r) => r.group),
    ...keyed(
      'featureLicenseRule',
      before.featureLicenseRules,
      after.featureLicenseRules,
      (r, i) => r.group ?? r.when ?? `rule ${i + 1}`,
    ),
    ...keyed(
      'permissionSetGroupRule',
      before.permissionSetGroupRules ?? [],
      after.permissionSetGroupRules ?? [],
      (r) => r.group,
    ),
    ...keyed(
      'permissionSetLicenseRule',
      before.permissionSetLicenseRules ?? [],
      after.permissionSetLicenseRules ?? [],
      (r) => r.group,
    ),
    ...keyed('scopingFilter', before.scopingFilters, after.scopingFilters, (f, i) => f.name ?? `filter ${i + 1}`),
    ...settings,
  ];
}

const TITLES: Record<MappingDiffEntry['kind'], string> = {
  mapping: 'attribute mappings',
  roleRule: 'role rules',
  permissionSetRule: 'permission-set rules',
  groupMembershipRule: 'group membership rules',
  featureLicenseRule: 'feature licence rules',
  permissionSetGroupRule: 'permission set group rules',
  permissionSetLicenseRule: 'permission set licence rules',
  scopingFilter: 'scoping filters',
  setting: 'settings',
};

/** One line for people: `attribute mappings: added Department, changed Email; settings: changed scope`. */
export function describeMappingDiff(entries: readonly MappingDiffEntry[] | null): string {
  if (entries === null) return 'the previous mapping is not known (only its fingerprint): every rule may have changed';
  if (entries.length === 0) return 'no rule changed';
  const parts: string[] = [];
  for (const kind of Object.keys(TITLES) as MappingDiffEntry['kind'][]) {
    const of = entries.filter((e) => e.kind === kind);
    if (of.length === 0) continue;
    const changes = (['added', 'changed', 'removed'] as const)
      .map((change) => {
        const keys = of.filter((e) => e.change === change).map((e) => e.key);
        return keys.length > 0 ? `${change} ${keys.join(', ')}` : '';
      })
      .filter(Boolean);
    parts.push(`${TITLES[kind]}: ${changes.join(', ')}`);
  }
  return parts.join('; ');
}
