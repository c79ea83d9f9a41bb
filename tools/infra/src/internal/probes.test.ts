import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAnswers } from '../postgres.ts';
import { redisAnswers } from '../redis.ts';
import { fetchClusterMetadata } from './kafka-wire.ts';
import { parseHostPort } from './tcp.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A TCP server on port 0 that answers each chunk it receives with `answer(chunk)`. */
async function fakeServer(answer: (request: Buffer) => Buffer | string): Promise<number> {
  const server = createServer((socket) => socket.on('data', (chunk) => socket.write(answer(chunk))));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return address.port;
}

/** A fake broker: ApiVersions v0 offering Metadata 0..12, and a Metadata answer with one broker. */
function kafkaAnswer(request: Buffer): Buffer {
  const apiKey = request.readInt16BE(4);
  const correlationId = request.readInt32BE(8);
  const frame = (body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeInt32BE(4 + body.length, 0);
    head.writeInt32BE(correlationId, 4);
    return Buffer.concat([head, body]);
  };
  if (apiKey === 18) {
    const body = Buffer.alloc(2 + 4 + 6);
    body.writeInt16BE(0, 0); // error code
    body.writeInt32BE(1, 2); // one API
    body.writeInt16BE(3, 6); // Metadata
    body.writeInt16BE(0, 8);
    body.writeInt16BE(12, 10);
    return frame(body);
  }
  const host = Buffer.from('127.0.0.1');
  const cluster = Buffer.from('abc');
  const parts = [
    [4, 0], // throttle
    [4, 1], // one broker
    [4, 7], // node id
    [2, host.length],
  ];
  const ints = (list: number[][]) =>
    Buffer.concat(
      list.map(([size, value]) => {
        const b = Buffer.alloc(size!);
        if (size === 4) b.writeInt32BE(value!, 0);
        else b.writeInt16BE(value!, 0);
        return b;
      }),
    );
  return frame(
    Buffer.concat([
      ints(parts),
      host,
      ints([
        [4, 9092],
        [2, -1],
        [2, cluster.length],
      ]),
      cluster,
      ints([
        [4, 7],
        [4, 0],
      ]),
    ]),
  );
}

describe('probes', () => {
  it('parses host:port, including bracketed IPv6', () => {
    expect(parseHostPort('127.0.0.1:9092')).toEqual({ host: '127.0.0.1', port: 9092 });
    expect(parseHostPort('[::1]:9092')).toEqual({ host: '::1', port: 9092 });
    expect(parseHostPort('kafka')).toBeUndefined();
    expect(parseHostPort('kafka:99999')).toBeUndefined();
  });

  it('reads cluster id, controller and brokers from a Metadata answer', async () => {
    const port = await fakeServer(kafkaAnswer);
    expect(await fetchClusterMetadata({ host: '127.0.0.1', port })).toEqual({
      clusterId: 'abc',
      controllerId: 7,
      brokers: [{ nodeId: 7, host: '127.0.0.1', port: 9092 }],
    });
  });

  it('fails fast when nothing listens', async () => {
    const port = await fakeServer(() => '');
    await new Promise((resolve) => servers.pop()!.close(resolve));
    await expect(fetchClusterMetadata({ host: '127.0.0.1', port }, 500)).rejects.toThrow();
  });

  it('recognises Redis by its PING answer and PostgreSQL by its SSLRequest answer', async () => {
    const redis = await fakeServer(() => '+PONG\r\n');
    const postgres = await fakeServer(() => 'N');
    const other = await fakeServer(() => 'HTTP/1.1 400 Bad Request\r\n\r\n');
    expect(await redisAnswers(`redis://127.0.0.1:${redis}`)).toBe(true);
    expect(await redisAnswers(`redis://127.0.0.1:${other}`)).toBe(false);
    expect(await postgresAnswers(`postgres://postgres@127.0.0.1:${postgres}/postgres`)).toBe(true);
    expect(await postgresAnswers(`postgres://postgres@127.0.0.1:${other}/postgres`)).toBe(false);
  });
});
