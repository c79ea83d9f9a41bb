import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DispatchController,
  type DispatchHandler,
  type DispatchOptions,
  NodeHttpDispatcher,
} from '../src/index.ts';

const servers: http.Server[] = [];
const dispatchers: NodeHttpDispatcher[] = [];

afterEach(async () => {
  for (const d of dispatchers.splice(0)) await d.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function serve(handler: http.RequestListener): Promise<{ origin: string; connections: () => number }> {
  let connections = 0;
  const server = http.createServer(handler);
  server.on('connection', () => connections++);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

function dispatcher(options?: ConstructorParameters<typeof NodeHttpDispatcher>[0]): NodeHttpDispatcher {
  const d = new NodeHttpDispatcher(options);
  dispatchers.push(d);
  return d;
}

interface Heard {
  events: string[];
  status?: number;
  headers?: NodeJS.Dict<string | string[]>;
  raw?: string[];
  body: Buffer[];
  error?: Error & { code?: string };
  controller?: DispatchController;
  done: Promise<void>;
}

/** Dispatches one request with a handler that records what it hears, in order. */
function send(d: NodeHttpDispatcher, options: DispatchOptions, onData?: (heard: Heard) => void): Heard {
  let finish!: () => void;
  const heard: Heard = { events: [], body: [], done: new Promise((resolve) => (finish = resolve)) };
  const handler: DispatchHandler = {
    onRequestStart(controller) {
      heard.events.push('start');
      heard.controller = controller;
    },
    onResponseStart(controller, status, headers) {
      heard.events.push('response');
      heard.status = status;
      heard.headers = headers;
      heard.raw = controller.rawHeaders?.map((b) => b.toString('latin1'));
    },
    onResponseData(_controller, chunk) {
      heard.body.push(chunk);
      onData?.(heard);
    },
    onResponseEnd() {
      heard.events.push('end');
      finish();
    },
    onResponseError(_controller, error) {
      heard.events.push('error');
      heard.error = error;
      finish();
    },
  };
  expect(d.dispatch(options, handler)).toBe(true);
  return heard;
}

describe('NodeHttpDispatcher', () => {
  it('sends the method, headers and body, and hands over status, headers (repeated ones kept) and body', async () => {
    const { origin } = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('x-echo-method', req.method ?? '');
        res.setHeader('x-echo-header', String(req.headers['x-custom']));
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(Buffer.concat(chunks));
      });
    });
    const heard = send(dispatcher(), {
      origin,
      path: '/services/data/v62.0/composite/sobjects?x=1',
      method: 'POST',
      headers: ['x-custom', 'yes', 'content-type', 'application/json'],
      body: '{"records":[]}',
    });
    await heard.done;
    expect(heard.events).toEqual(['start', 'response', 'end']);
    expect(heard.status).toBe(201);
    expect(heard.headers?.['x-echo-method']).toEqual(['POST']);
    expect(heard.headers?.['x-echo-header']).toEqual(['yes']);
    expect(heard.headers?.['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(heard.raw).toContain('application/json');
    expect(Buffer.concat(heard.body).toString()).toBe('{"records":[]}');
  });

  it('streams a request body given as an async iterable, chunk by chunk, intact', async () => {
    const { origin } = await serve((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => res.end(String(bytes)));
    });
    async function* body() {
      for (let i = 0; i < 64; i++) yield new Uint8Array(64 * 1024).fill(i);
    }
    const heard = send(dispatcher(), { origin, path: '/', method: 'PUT', body: body() });
    await heard.done;
    expect(heard.error).toBeUndefined();
    expect(Buffer.concat(heard.body).toString()).toBe(String(64 * 64 * 1024));
  });

  it('keeps the connection alive between requests', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const d = dispatcher();
    for (let i = 0; i < 5; i++) {
      const heard = send(d, { origin: server.origin, path: `/${i}`, method: 'GET' });
      await heard.done;
      expect(heard.events).toEqual(['start', 'response', 'end']);
    }
    expect(server.connections()).toBe(1);
  });

  it('stops reading while the handler is paused and reads on when it resumes', async () => {
    const size = 4 * 1024 * 1024;
    const { origin } = await serve((_req, res) => res.end(Buffer.alloc(size, 7)));
    let pausedOnce = false;
    const heard = send(dispatcher(), { origin, path: '/', method: 'GET' }, (h) => {
      if (pausedOnce) return;
      pausedOnce = true;
      h.controller?.pause();
      expect(h.controller?.paused).toBe(true);
      setTimeout(() => h.controller?.resume(), 50);
    });
    await heard.done;
    expect(pausedOnce).toBe(true);
    expect(Buffer.concat(heard.body).length).toBe(size);
  });

  it('fails a request whose server is silent past the timeout, with the code undici gives it', async () => {
    const { origin } = await serve(() => {
      // never answers
    });
    const heard = send(dispatcher({ timeoutMs: 150 }), { origin, path: '/', method: 'GET' });
    await heard.done;
    expect(heard.events).toEqual(['start', 'error']);
    expect(heard.error?.code).toBe('UND_ERR_HEADERS_TIMEOUT');
  });

  it('reports a refused connection once, with its code', async () => {
    const { origin } = await serve((_req, res) => res.end());
    servers[0]!.close();
    await once(servers[0]!, 'close');
    servers.length = 0;
    const heard = send(dispatcher(), { origin, path: '/', method: 'GET' });
    await heard.done;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heard.events).toEqual(['start', 'error']);
    expect(heard.error?.code).toBe('ECONNREFUSED');
  });

  it('ends a request when the handler aborts it: the reason once, and nothing after', async () => {
    const { origin } = await serve((_req, res) => {
      res.write('first');
      // the rest never comes
    });
    const reason = new Error('terminated by the caller');
    const heard = send(dispatcher(), { origin, path: '/', method: 'GET' }, (h) => h.controller?.abort(reason));
    await heard.done;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heard.events).toEqual(['start', 'response', 'error']);
    expect(heard.error).toBe(reason);
    expect(heard.controller?.aborted).toBe(true);
  });

  it('fails a response the server cuts short', async () => {
    const { origin } = await serve((req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('only some');
      setTimeout(() => req.socket.destroy(), 10);
    });
    const heard = send(dispatcher(), { origin, path: '/', method: 'GET' });
    await heard.done;
    expect(heard.events).toEqual(['start', 'response', 'error']);
    expect(['UND_ERR_SOCKET', 'ECONNRESET']).toContain(heard.error?.code);
  });

  it('refuses what it cannot send, saying what', async () => {
    const heard = send(dispatcher(), { origin: 'ftp://127.0.0.1', path: '/', method: 'GET' });
    await heard.done;
    expect(heard.error?.message).toMatch(/Unsupported protocol ftp:/);
    const closed = dispatcher();
    await closed.close();
    const late = send(closed, { origin: 'http://127.0.0.1:9', path: '/', method: 'GET' });
    await late.done;
    expect(late.error?.code).toBe('UND_ERR_CLOSED');
  });
});

// Node 24's own fetch (undici 7) still speaks undici's older handler interface.
describe("NodeHttpDispatcher under Node's fetch", () => {
  it('answers a fetch with its status, headers and body, and pauses as the body is read', async () => {
    const size = 2 * 1024 * 1024;
    const { origin } = await serve((req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-method': req.method ?? '' });
      res.end(Buffer.alloc(size, 1));
    });
    const init = { method: 'POST', body: 'hello', dispatcher: dispatcher() } as unknown as RequestInit;
    const response = await fetch(`${origin}/x`, init);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-method')).toBe('POST');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect((await response.arrayBuffer()).byteLength).toBe(size);
  });

  it('rejects a fetch whose signal aborts, and a fetch the server refuses', async () => {
    const { origin } = await serve((_req, res) => {
      res.write('never finished');
    });
    const controller = new AbortController();
    const response = await fetch(origin, {
      signal: controller.signal,
      dispatcher: dispatcher(),
    } as unknown as RequestInit);
    controller.abort();
    await expect(response.text()).rejects.toThrow(/abort/i);
    const closed = servers.pop()!;
    closed.closeAllConnections();
    await new Promise((resolve) => closed.close(resolve));
    await expect(fetch(origin, { dispatcher: dispatcher() } as unknown as RequestInit)).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });
  });
});
