import fc from 'fast-check';

/** How fastify will treat a request's media type. */
export type MediaKind = 'json' | 'text' | 'form' | 'other' | 'none';

/** What fastify's JSON parser makes of a body: a value, or why it refuses it (400). */
export type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly why: string };

/** A generated request body with what the oracle needs to judge the answer. */
export interface BodyCase {
  readonly label: string;
  /** undefined: no body at all. */
  readonly bytes: Buffer | undefined;
  readonly contentType: string | undefined;
  readonly media: MediaKind;
  /** Sent with `transfer-encoding: chunked` instead of a content length. */
  readonly chunked: boolean;
}

const CONTENT_TYPES: readonly [string | undefined, MediaKind][] = [
  ['application/json', 'json'],
  ['application/json; charset=utf-8', 'json'],
  ['Application/JSON', 'json'],
  ['application/json;charset=UTF-8', 'json'],
  // What a cross-origin page may send without a preflight (the CSRF shapes).
  ['text/plain', 'text'],
  ['text/plain;charset=UTF-8', 'text'],
  ['application/x-www-form-urlencoded', 'form'],
  ['multipart/form-data; boundary=----hostile', 'form'],
  // Near misses and others.
  ['application/jsonx', 'other'],
  ['application/json-patch+json', 'other'],
  ['application/ld+json', 'other'],
  ['application/xml', 'other'],
  ['text/html', 'other'],
  ['image/svg+xml', 'other'],
  ['application/octet-stream', 'other'],
  [undefined, 'none'],
];

/**
 * Parses as fastify's JSON body parser does (secure-json-parse over the UTF-8 text, a BOM dropped,
 * `__proto__` keys and `constructor.prototype` refused), so the oracle knows the answer to expect.
 */
export function parseLikeFastify(bytes: Buffer | undefined): Parsed {
  if (bytes === undefined || bytes.length === 0) return { ok: false, why: 'empty' };
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, why: 'malformed' };
  }
  return poisoned(value) ? { ok: false, why: 'prototype poisoning' } : { ok: true, value };
}

function poisoned(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Object.hasOwn(node, '__proto__')) return true;
    const ctor = (node as Record<string, unknown>)['constructor'];
    if (
      Object.hasOwn(node, 'constructor') &&
      typeof ctor === 'object' &&
      ctor !== null &&
      Object.hasOwn(ctor, 'prototype')
    )
      return true;
    stack.push(...Object.values(node));
  }
  return false;
}

const ATTACKS = [
  "' OR '1'='1",
  "'; DROP TABLE provisioning_log; --",
  '" OR ""="',
  '1; SELECT pg_sleep(10)',
  '$$; SELECT pg_sleep(10); $$',
  '%',
  '_',
  '\\',
  "=cmd|' /C calc'!A0",
  '=HYPERLINK("http://127.0.0.1/x","x")',
  '+1+1',
  '-1+1',
  '@SUM(1+1)',
  '\t=1+1',
  '<script>alert(1)</script>',
  '{{constructor.constructor("return process")()}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the Log4Shell lookup, sent as it is
  '${jndi:ldap://127.0.0.1/a}',
  '../../../../etc/passwd',
  '\u0000',
  'a\u0000b',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\ud83d\ude00\u200d\ud83d\udc68\u200d\ud83d\udc69',
  '\ud800',
  '\udfff\ud800',
  'ｓｅｌｅｃｔ',
  'İıſK',
  '\r\nSet-Cookie: x=1',
  '\ufeff',
  ' ',
  '',
];

/** Strings an attacker tries first: injections, control and bidi characters, odd unicode, long ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom(...ATTACKS) },
  { weight: 12, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 12, arbitrary: fc.string({ unit: 'grapheme', maxLength: 32 }) },
  // Past the API's 256-character limits, and now and then past Node's 16 KiB of headers.
  { weight: 4, arbitrary: fc.integer({ min: 200, max: 2_000 }).map((n) => 'A'.repeat(n)) },
  { weight: 1, arbitrary: fc.constant('A'.repeat(17_000)) },
);

/** Any JSON value (deep, wide, odd numbers, odd strings) as a route would not expect it. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  hostileString,
  fc.constantFrom(null, true, 0, -1, 1e308, -0, 1.5, Number.MAX_SAFE_INTEGER + 2),
);

/** Text that is not JSON, or is JSON only at first sight. */
const notJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '{',
    '}',
    '{"value": [}',
    "{'value': []}",
    '{"value": [],}',
    '{"value": NaN}',
    '{"value": undefined}',
    '/* */ {"value": []}',
    '{"value": []} trailing',
    '{"value": []}{"value": []}',
    '\u0000',
    '   ',
    '\ufeff',
    '"unterminated',
    '{"a":"\\x41"}',
    '{"a":1e}',
    '[1, 2',
  ),
  fc.string({ maxLength: 200 }).filter((s) => parseLikeFastify(Buffer.from(s)).ok === false),
);

/** JSON nested `depth` deep, in `[]` or `{"a":…}` form. */
export function nested(depth: number, form: 'array' | 'object'): string {
  return form === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** `value` padded with a long string field until its JSON is at least `size` bytes. */
export function padded(value: Record<string, unknown>, size: number): string {
  const text = JSON.stringify(value);
  const pad = Math.max(0, size - text.length - 12);
  return JSON.stringify({ ...value, padding: 'x'.repeat(pad) });
}

/**
 * Bodies for a route with `limit` bytes: `shaped` values the route expects (valid or nearly), any
 * JSON, malformed text, prototype poisoning, deep nesting, just and far over the limit, in every
 * content type a browser or a script may send.
 */
export function bodyArbitrary(limit: number, shaped: fc.Arbitrary<unknown>): fc.Arbitrary<BodyCase> {
  const text = fc.oneof(
    { weight: 5, arbitrary: shaped.map((v) => ({ label: 'shaped', text: JSON.stringify(v) })) },
    { weight: 2, arbitrary: anyJson.map((v) => ({ label: 'any JSON', text: JSON.stringify(v) ?? 'null' })) },
    { weight: 2, arbitrary: notJson.map((t) => ({ label: 'not JSON', text: t })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { label: 'proto poisoning', text: '{"value":[],"__proto__":{"isAdmin":true}}' },
        { label: 'proto poisoning (escaped)', text: '{"\\u005f_proto__":{"isAdmin":true},"userId":"a"}' },
        { label: 'constructor poisoning', text: '{"constructor":{"prototype":{"isAdmin":true}},"value":[]}' },
        { label: 'nested proto poisoning', text: '{"value":[{"__proto__":{"x":1}}]}' },
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: Math.max(1, Math.floor(limit / 6)) }), fc.constantFrom('array', 'object'))
        .map(([depth, form]) => ({ label: `nested ${depth} deep`, text: nested(depth, form as 'array' | 'object') })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(shaped, fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1024, max: 64 * 1024 })))
        .map(([v, over]) => ({
          label: `over the limit by ${over} bytes`,
          text: padded(
            typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {},
            limit + over,
          ),
        })),
    },
    { weight: 1, arbitrary: fc.constant({ label: 'empty', text: '' }) },
  );
  const bytes = fc.oneof(
    { weight: 12, arbitrary: text.map((t) => ({ label: t.label, bytes: Buffer.from(t.text) as Buffer | undefined })) },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 256 })
        .map((b) => ({ label: 'random bytes', bytes: Buffer.from(b) as Buffer | undefined })),
    },
    { weight: 1, arbitrary: fc.constant({ label: 'no body', bytes: undefined as Buffer | undefined }) },
  );
  return fc
    .tuple(
      bytes,
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(0) },
        { weight: 3, arbitrary: fc.integer({ min: 1, max: CONTENT_TYPES.length - 1 }) },
      ),
      fc.boolean(),
    )
    .map(([b, typeIndex, chunked]) => {
      const [contentType, media] = CONTENT_TYPES[typeIndex]!;
      return {
        label: `${b.label}, ${contentType ?? 'no content type'}${chunked && b.bytes ? ', chunked' : ''}`,
        bytes: b.bytes,
        contentType,
        media,
        chunked: chunked && b.bytes !== undefined,
      };
    });
}

/** Whether a body is larger than `limit` bytes. */
export const oversize = (body: BodyCase, limit: number) => (body.bytes?.length ?? 0) > limit;
