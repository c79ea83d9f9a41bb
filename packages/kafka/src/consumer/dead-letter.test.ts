import { randomBytes } from 'node:crypto';
import { KafkaJSNonRetriableError, KafkaJSProtocolError, type KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { asKafkaError } from '../internal/errors.ts';
import type { EventProducer } from '../producer.ts';
import { type DeadLetter, deadLetterCandidates, REDUCED_DEAD_LETTER, sendToDeadLetter } from './dead-letter.ts';

const WHY = { code: 'PRV_EVENT_OVERSIZE', reason: 'message is too big', attempts: 0, groupId: 'g' } as const;

const message = (key: Buffer | null, value: Buffer | null, headers: Record<string, string> = {}): KafkaMessage => ({
  key,
  value,
  offset: '41',
  timestamp: '1700000000000',
  attributes: 0,
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
});

// What kafkajs throws, through our producer, when the broker answers MESSAGE_TOO_LARGE: its retrier
// wraps the protocol error in a KafkaJSNonRetriableError (kafkajs/src/retry; their typings omit
// the constructor arguments used here).
const tooLarge = () => {
  const refused = new KafkaJSProtocolError({
    type: 'MESSAGE_TOO_LARGE',
    code: 10,
    retriable: false,
    message: 'The request included a message larger than the max message size the server will accept',
  } as unknown as Error);
  const Wrapper = KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error;
  return asKafkaError('producing to t.dlq.v1', new Wrapper(refused, { cause: refused }));
};

/** A producer whose broker refuses letters over `limit` bytes (key + value + headers), or fails with `failure`. */
function fakeProducer(limit: number, failure?: () => Error) {
  const sent: { topic: string; letter: DeadLetter; compression: string | undefined }[] = [];
  let refused = 0;
  const producer: EventProducer = {
    send: async () => [],
    async sendRaw(topic, messages, options) {
      if (failure) throw failure();
      const letter = messages[0] as DeadLetter;
      const size =
        (letter.key?.length ?? 0) +
        (letter.value?.length ?? 0) +
        Object.entries(letter.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
      if (size > limit) {
        refused++;
        throw tooLarge();
      }
      sent.push({ topic, letter, compression: options?.compression });
      return [];
    },
    disconnect: async () => undefined,
  };
  return { producer, sent, refused: () => refused };
}

describe('deadLetterCandidates', () => {
  it('tries the message as it was first, with its original headers and the reason', () => {
    const m = message(Buffer.from('u1'), Buffer.from('{"x":1}'), { traceparent: 't', dlq_reason: 'forged' });
    const [full] = deadLetterCandidates('t.v1', 3, m, WHY, new Date('2026-11-26T12:00:00Z'));
    expect(full).toEqual({
      key: m.key,
      value: m.value,
      headers: {
        traceparent: 't',
        dlq_reason_code: 'PRV_EVENT_OVERSIZE',
        dlq_reason: 'message is too big',
        dlq_source_topic: 't.v1',
        dlq_source_partition: '3',
        dlq_source_offset: '41',
        dlq_consumer_group: 'g',
        dlq_attempts: '0',
        dlq_time: '2026-11-26T12:00:00.000Z',
      },
    });
  });

  it('then a reduced letter: the start of the value and key, the headers that fit, what was cut and the sizes', () => {
    const value = Buffer.from(`"${'é'.repeat(REDUCED_DEAD_LETTER.valueBytes)}"`);
    const key = Buffer.from('k'.repeat(5000));
    const headers = { a: 'x'.repeat(10_000), b: 'y'.repeat(10_000), c: 'z' };
    const [, reduced, bare] = deadLetterCandidates('t.v1', 0, message(key, value, headers), WHY);
    // Cut at a character boundary: still UTF-8, so the audit shows it as text.
    expect(reduced!.value!.length).toBeLessThanOrEqual(REDUCED_DEAD_LETTER.valueBytes);
    expect(reduced!.value!.length).toBeGreaterThan(REDUCED_DEAD_LETTER.valueBytes - 4);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(reduced!.value!)).toMatch(/^"é+$/);
    expect(reduced!.key).toEqual(key.subarray(0, REDUCED_DEAD_LETTER.keyBytes));
    expect(reduced!.headers).toMatchObject({
      a: headers.a,
      c: 'z',
      dlq_reason_code: 'PRV_EVENT_OVERSIZE',
      dlq_truncated: 'key,value,headers',
      dlq_original_key_bytes: '5000',
      dlq_original_value_bytes: String(value.length),
    });
    expect(reduced!.headers).not.toHaveProperty('b');
    expect(bare).toMatchObject({ value: Buffer.alloc(0), headers: { dlq_truncated: 'key,value,headers' } });
    expect(Object.keys(bare!.headers).filter((h) => !h.startsWith('dlq_'))).toEqual([]);
  });

  it('a reduced letter of a small message keeps all of it and says nothing was cut', () => {
    const m = message(Buffer.from('u1'), Buffer.from('{}'), { traceparent: 't' });
    const [, reduced] = deadLetterCandidates('t.v1', 0, m, WHY);
    expect(reduced).toMatchObject({ key: m.key, value: m.value, headers: { traceparent: 't' } });
    expect(reduced!.headers).not.toHaveProperty('dlq_truncated');
  });
});

describe('sendToDeadLetter', () => {
  it('sends the message as it was, compressed, to the dead-letter topic', async () => {
    const { producer, sent } = fakeProducer(Number.POSITIVE_INFINITY);
    const m = message(Buffer.from('u1'), Buffer.from('{"x":1}'));
    expect(await sendToDeadLetter(producer, 'orders.v1', 0, m, WHY)).toEqual({ truncated: [] });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: 'orders.dlq.v1', compression: 'gzip', letter: { value: m.value } });
  });

  it('sends a reduced letter when the broker refuses the whole message as too large, instead of failing for ever', async () => {
    const { producer, sent, refused } = fakeProducer(256 * 1024);
    const m = message(Buffer.from('u1'), randomBytes(2 * 1024 * 1024));
    expect(await sendToDeadLetter(producer, 'orders.v1', 0, m, WHY)).toEqual({ truncated: ['value'] });
    expect(refused()).toBe(1);
    expect(sent[0]!.letter.value).toEqual(m.value!.subarray(0, sent[0]!.letter.value!.length));
    expect(sent[0]!.letter.headers).toMatchObject({
      dlq_reason_code: 'PRV_EVENT_OVERSIZE',
      dlq_truncated: 'value',
      dlq_original_value_bytes: String(2 * 1024 * 1024),
    });
  });

  it('sends the reason alone when even the reduced letter is too large', async () => {
    const { producer, sent, refused } = fakeProducer(8 * 1024);
    const m = message(Buffer.from('u1'), randomBytes(200_000));
    expect((await sendToDeadLetter(producer, 'orders.v1', 0, m, WHY)).truncated).toEqual(['value']);
    expect(refused()).toBe(2);
    expect(sent[0]!.letter.value).toEqual(Buffer.alloc(0));
    expect(sent[0]!.letter.headers['dlq_reason']).toBe('message is too big');
  });

  it('throws any other failure for the caller to retry, and the last refusal when nothing fits', async () => {
    const unavailable = new Error('Connection error: ECONNREFUSED');
    const down = fakeProducer(Number.POSITIVE_INFINITY, () => unavailable);
    const m = message(Buffer.from('u1'), Buffer.from('{}'));
    await expect(sendToDeadLetter(down.producer, 'orders.v1', 0, m, WHY)).rejects.toBe(unavailable);
    const tiny = fakeProducer(10);
    await expect(sendToDeadLetter(tiny.producer, 'orders.v1', 0, m, WHY)).rejects.toThrow(/larger than the max/);
    expect(tiny.refused()).toBe(3);
  });
});
