import { referencedAttributes } from '@provision/expressions';
import type { MappingConfig } from './config/schema.ts';

// Computed by Provision, not read from Graph.
const COMPUTED = new Set(['issoftdeleted', 'approleassignments', 'objectid']);

/**
 * The Graph user attributes a configuration reads (mappings and scoping filters), lower-cased and
 * sorted, without the ones Provision computes (IsSoftDeleted, appRoleAssignments, objectId). The
 * mapper can skip a change to any other attribute; the ingestor can `$select` just these.
 */
export function sourceAttributes(config: MappingConfig): string[] {
  const names = new Set<string>(['accountenabled']);
  for (const m of config.mappings) {
    if (m.source !== undefined) names.add(m.source.toLowerCase());
    if (m.expression !== undefined) for (const a of referencedAttributes(m.expression)) names.add(a.toLowerCase());
  }
  for (const f of config.scopingFilters) for (const c of f.clauses) names.add(c.attribute.toLowerCase());
  return [...names].filter((n) => !COMPUTED.has(n)).sort();
}
