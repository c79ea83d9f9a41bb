import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EARLY_ANSWER_HEADERS, secureHeaders } from './http-security.ts';

// A real server on port 0: the early answers never reach inject()'s path through fastify.
let app: FastifyInstance;
let port: number;
beforeAll(async () => {
  app = Fastify();
  secureHeaders(app);
  app.get('/items/:id', async () => ({ ok: true }));
  app.get('/page', async (_request, reply) =>
    reply.header('content-security-policy', "default-src 'self'").type('text/html').send('<p>hi</p>'),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});
afterAll(() => app.close());

const securityHeadersOf = (headers: Headers) =>
  Object.fromEntries(Object.keys(EARLY_ANSWER_HEADERS).map((name) => [name, headers.get(name)]));

/** Sends `head` on a connection of its own and reads everything until the server closes it. */
function rawExchange(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.write(head);
  });
}

describe('secureHeaders on answers given before any hook runs', () => {
  it('lists exactly the headers helmet sets on a routed answer', async () => {
    const routed = await fetch(`http://127.0.0.1:${port}/items/1`);
    expect(routed.status).toBe(200);
    expect(securityHeadersOf(routed.headers)).toEqual(EARLY_ANSWER_HEADERS);
    const helmetNames = [...routed.headers.keys()].filter(
      (name) => !['connection', 'content-length', 'content-type', 'date', 'keep-alive'].includes(name),
    );
    expect(helmetNames.sort()).toEqual(Object.keys(EARLY_ANSWER_HEADERS).sort());
  });

  it("fastify's 400 for a URL it cannot decode and 414 for a parameter over 100 characters carry them", async () => {
    const badUrl = await fetch(`http://127.0.0.1:${port}/items/%E0%A4%A`);
    expect(badUrl.status).toBe(400);
    expect(await badUrl.json()).toMatchObject({ code: 'FST_ERR_BAD_URL' });
    expect(securityHeadersOf(badUrl.headers)).toEqual(EARLY_ANSWER_HEADERS);
    const tooLong = await fetch(`http://127.0.0.1:${port}/items/${'a'.repeat(101)}`);
    expect(tooLong.status).toBe(414);
    expect(securityHeadersOf(tooLong.headers)).toEqual(EARLY_ANSWER_HEADERS);
  });

  it("Node's 431 for a head over 16 KiB carries them, is JSON, says Connection: close and closes", async () => {
    const answer = await rawExchange(
      `GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\nConnection: keep-alive\r\n\r\n`,
    );
    const [head = '', body] = answer.split('\r\n\r\n');
    const [statusLine, ...lines] = head.split('\r\n');
    expect(statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    const headers = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 2)]),
    );
    expect(headers).toMatchObject({ ...EARLY_ANSWER_HEADERS, connection: 'close' });
    expect(headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(body ?? '')).toMatchObject({ statusCode: 431, message: expect.any(String) });
  });

  it('leaves a routed answer its own CSP', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/page`);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
