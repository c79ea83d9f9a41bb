import { describe, expect, it } from 'vitest';
import { chunksBySize } from './producer.ts';

const msg = (key: string, bytes: number) => ({ key, value: 'x'.repeat(bytes), headers: {} });

describe('chunksBySize', () => {
  it('keeps every request under the limit, in order, across topics', () => {
    const chunks = [
      ...chunksBySize(
        [
          ['a', [msg('1', 400), msg('2', 400), msg('3', 400)]],
          ['b', [msg('4', 400)]],
        ],
        1000,
      ),
    ];
    expect(chunks.map((c) => c.map((t) => `${t.topic}:${t.messages.map((m) => m.key).join('')}`))).toEqual([
      ['a:12'],
      ['a:3', 'b:4'],
    ]);
  });

  it('sends a message larger than the limit alone rather than dropping it', () => {
    const chunks = [...chunksBySize([['a', [msg('1', 10), msg('big', 5000), msg('2', 10)]]], 1000)];
    expect(chunks.map((c) => c[0]!.messages.map((m) => m.key))).toEqual([['1'], ['big'], ['2']]);
  });

  it('takes a message only when its request is being built', () => {
    const taken: string[] = [];
    const messages = function* () {
      for (const key of ['1', '2', '3', '4']) {
        taken.push(key);
        yield msg(key, 400);
      }
    };
    const requests = chunksBySize([['a', messages()]], 1000);
    const first = requests.next();
    expect(first.done).toBe(false);
    expect(first.done ? [] : first.value[0]?.messages.map((m) => m.key)).toEqual(['1', '2']);
    // The third message is taken to learn the first request is full, the fourth not yet.
    expect(taken).toEqual(['1', '2', '3']);
    expect([...requests].map((r) => r[0]?.messages.map((m) => m.key))).toEqual([['3', '4']]);
    expect(taken).toEqual(['1', '2', '3', '4']);
  });
});
