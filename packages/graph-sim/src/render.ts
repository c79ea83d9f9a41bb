import type { DirectoryObject } from './tenant/object-store.ts';
import {
  COLLECTION_PROPERTIES,
  expandExtensionAttributes,
  GROUP_DEFAULT_SELECT,
  USER_DEFAULT_SELECT,
} from './tenant/schema.ts';

/** An object as `GET /users/{id}` returns it: `$select`ed (or default) properties, `null` where unset. */
export function renderObject(
  kind: 'user' | 'group',
  object: DirectoryObject,
  select: readonly string[] | null,
): Record<string, unknown> {
  const names = select ?? ['id', ...(kind === 'user' ? USER_DEFAULT_SELECT : GROUP_DEFAULT_SELECT)];
  const out: Record<string, unknown> = {};
  for (const name of names) {
    if (name === 'members' || name === 'owners') continue;
    if (name === 'id') out['id'] = object.id;
    else if (name === 'deletedDateTime') out[name] = object.deletedDateTime;
    else if (name === 'onPremisesExtensionAttributes') out[name] = expandExtensionAttributes(object.props[name]);
    else out[name] = object.props[name] ?? (COLLECTION_PROPERTIES.has(name) ? [] : null);
  }
  if (object.deletedDateTime !== null && select === null) out['deletedDateTime'] = object.deletedDateTime;
  return out;
}
