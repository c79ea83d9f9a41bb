import { describe, expect, it } from 'vitest';
import { decodeHeaders, isTraceparent, messageHeaders, newTraceparent } from './headers.ts';

describe('messageHeaders', () => {
  const now = () => new Date('2026-01-02T03:04:05.000Z');

  it('sets the CloudEvents binary-mode attributes, the content type and the given traceparent', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const headers = messageHeaders({ type: 't', source: '/s', id: 'i' }, traceparent, {}, now);
    expect(headers).toEqual({
      ce_specversion: '1.0',
      ce_id: 'i',
      ce_type: 't',
      ce_source: '/s',
      ce_time: '2026-01-02T03:04:05.000Z',
      'content-type': 'application/json',
      traceparent,
    });
  });

  it('generates an id and a root traceparent when none (or a malformed one) is given', () => {
    const headers = messageHeaders({ type: 't', source: '/s' }, 'not-a-traceparent');
    expect(headers.ce_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(isTraceparent(headers.traceparent)).toBe(true);
  });

  it('lets extra headers through but never over the CloudEvents attributes', () => {
    const headers = messageHeaders({ type: 't', source: '/s' }, undefined, { ce_type: 'forged', 'x-change': 'c1' });
    expect(headers.ce_type).toBe('t');
    expect(headers['x-change']).toBe('c1');
  });
});

describe('traceparent', () => {
  it('rejects all-zero ids and other versions', () => {
    expect(isTraceparent(`00-${'0'.repeat(32)}-b7ad6b7169203331-01`)).toBe(false);
    expect(isTraceparent('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBe(false);
    expect(isTraceparent(newTraceparent())).toBe(true);
  });
});

describe('decodeHeaders', () => {
  it('decodes bytes as UTF-8 and keeps the last of repeated values', () => {
    expect(decodeHeaders({ a: Buffer.from('é'), b: ['1', Buffer.from('2')], c: undefined })).toEqual({
      a: 'é',
      b: '2',
    });
  });
});
