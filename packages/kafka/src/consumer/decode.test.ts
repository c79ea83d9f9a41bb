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
