// Building the SOQL the gateway sends. Values are quoted with SOQL's escapes; IN lists are split so
// that every request stays under Salesforce's limit of 16,384 bytes for the URI and headers
// (Salesforce KB 000386264: 431 or 414 beyond it).

/** A SOQL string literal: quotes, backslashes and control characters escaped. */
export function soqlString(value: string): string {
  const escaped = value.replace(/[\\'"\n\r\t\b\f]/g, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      case '\b':
        return '\\b';
      case '\f':
        return '\\f';
      default:
        return `\\${c}`;
    }
  });
  return `'${escaped}'`;
}

/** Whether a name is a plain SOQL field path (so it can be put in a statement without escaping). */
export function isFieldPath(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/.test(name);
}

/**
 * Builds `prefix + field IN (…)` statements for all values, each at most `maxEncodedLength`
 * characters once URL-encoded (how jsforce puts it in `?q=`). Duplicates are sent once.
 */
export function chunkInQueries(
  prefix: string,
  field: string,
  values: readonly string[],
  maxEncodedLength: number,
): string[] {
  const head = `${prefix} WHERE ${field} IN (`;
  const headLength = encodeURIComponent(head).length + encodeURIComponent(')').length;
  const statements: string[] = [];
  let current: string[] = [];
  let length = headLength;
  const seen = new Set<string>();
  for (const value of values) {
    const key = value.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const literal = soqlString(value);
    const add = encodeURIComponent(literal).length + (current.length > 0 ? encodeURIComponent(',').length : 0);
    if (current.length > 0 && length + add > maxEncodedLength) {
      statements.push(`${head}${current.join(',')})`);
      current = [];
      length = headLength;
    }
    if (headLength + encodeURIComponent(literal).length > maxEncodedLength) {
      throw new RangeError(`a value of ${field} is too long for one query: ${value.slice(0, 40)}…`);
    }
    current.push(literal);
    length += current.length > 1 ? add : encodeURIComponent(literal).length;
  }
  if (current.length > 0) statements.push(`${head}${current.join(',')})`);
  return statements;
}
