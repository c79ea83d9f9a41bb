import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeMessage } from './decode.ts';

const schema = z.object({ userId: z.string(), n: z.number() });
const message = (key: string | null, value: string | null): KafkaMessage => ({
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
  offset: '7',
  timestamp: '1700000000000',
  attributes: 0,
  headers: { traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01') },
});

describe('decodeMessage', () => {
  it('returns the parsed event with its key, offset, headers and traceparent', () => {
    const decoded = decodeMessage('t.v1', 2, message('u1', '{"userId":"u1","n":1}'), schema);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.event).toEqual({ userId: 'u1', n: 1 });
    expect(decoded.meta).toMatchObject({
      topic: 't.v1',
      partition: 2,
      offset: '7',
      key: 'u1',
      timestamp: 1700000000000,
    });
    expect(decoded.meta.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('calls a value that is not JSON undecodable', () => {
    expect(decodeMessage('t.v1', 0, message('u1', '{oops'), schema)).toMatchObject({
      ok: false,
      code: 'PRV_EVENT_UNDECODABLE',
    });
  });

  it('calls a message without key or value undecodable', () => {
    expect(decodeMessage('t.v1', 0, message(null, '{}'), schema)).toMatchObject({
      ok: false,
      code: 'PRV_EVENT_UNDECODABLE',
    });
    expect(decodeMessage('t.v1', 0, message('u1', null), schema)).toMatchObject({
      ok: false,
      code: 'PRV_EVENT_UNDECODABLE',
    });
  });

  it('calls JSON that breaks the schema invalid and names the field', () => {
    const decoded = decodeMessage('t.v1', 0, message('u1', '{"userId":"u1","n":"one"}'), schema);
    expect(decoded).toMatchObject({ ok: false, code: 'PRV_EVENT_INVALID' });
    if (!decoded.ok) expect(decoded.reason).toContain('n:');
  });
});

describe('decodeMessage checks', () => {
  it('dead-letters a message whose key is not the userId of its event, naming both', () => {
    const decoded = decodeMessage('t.v1', 0, message('u-victim', '{"userId":"u-forged","n":1}'), schema);
    expect(decoded).toMatchObject({ ok: false, code: 'PRV_EVENT_KEY_MISMATCH' });
    if (!decoded.ok)
      expect(decoded.reason).toBe('message key "u-victim" is not the userId "u-forged" the event is about');
  });

  it('takes a key check of the topic, and none when told so', () => {
    const markerKey = (e: { userId: string }, key: string) => (key.startsWith(`${e.userId}:`) ? undefined : 'wrong');
    expect(
      decodeMessage('t.v1', 0, message('u1:3', '{"userId":"u1","n":1}'), schema, { verifyKey: markerKey }).ok,
    ).toBe(true);
    expect(decodeMessage('t.v1', 0, message('u2', '{"userId":"u1","n":1}'), schema, { verifyKey: false }).ok).toBe(
      true,
    );
  });

  it('dead-letters a message larger than accepted before parsing it', () => {
    const big = JSON.stringify({ userId: 'u1', n: 1, pad: 'x'.repeat(2_000) });
    const decoded = decodeMessage('t.v1', 0, message('u1', big), schema, { maxBytes: 1_000 });
    expect(decoded).toMatchObject({ ok: false, code: 'PRV_EVENT_OVERSIZE' });
    if (!decoded.ok) expect(decoded.reason).toMatch(/^message is 20\d\d bytes, more than the 1000 accepted$/);
    expect(decodeMessage('t.v1', 0, message('u1', '{not json'.repeat(200)), schema, { maxBytes: 100 })).toMatchObject({
      code: 'PRV_EVENT_OVERSIZE',
    });
  });
});
