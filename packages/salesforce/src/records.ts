type Rec = Record<string, unknown>;

/** Flattens nested relationship objects into `Profile.Name` keys and drops `attributes`. */
export function flatten(record: Rec, prefix = '', out: Rec = {}): Rec {
  for (const [key, value] of Object.entries(record)) {
    if (key === 'attributes') continue;
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      flatten(value as Rec, `${prefix}${key}.`, out);
    else out[`${prefix}${key}`] = value;
  }
  return out;
}
