// jsforce sends every request through undici's `fetch`, and undici's HTTP/1.1 client parses
// responses with llhttp compiled to WebAssembly: its compiled code and linear memory cost a process
// 12–19 MB of RSS (a script making 1,600 Collections calls through jsforce: 125–132 MB with undici's
// client, 111–113 MB with this one, at the same speed), which Node's own HTTP parser, native code
// every service already carries, does not. This is an undici dispatcher, the transport jsforce lets
// a caller replace (`setDispatcher`): `fetch` keeps its semantics (headers, `redirect: 'manual'`,
// abort, jsforce's retries), and only the bytes travel through node:http(s) on keep-alive agents.

import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';

/** What undici's `fetch` passes to `dispatch` (undici 8; the fields this transport honours). */
export interface DispatchOptions {
  readonly origin?: string | URL | null;
  readonly path: string;
  readonly method: string;
  readonly headers?: unknown;
  readonly body?: unknown;
}

/** The controller a handler is given: undici's `DispatchController`. */
export interface DispatchController {
  readonly aborted: boolean;
  readonly paused: boolean;
  readonly reason: Error | null;
  /** The response's header lines as `[name, value, …]`, which `fetch` reads its headers from. */
  readonly rawHeaders: readonly Buffer[] | undefined;
  abort(reason: Error): void;
  pause(): void;
  resume(): void;
}

/** undici's handler interface, as `fetch` implements it. */
export interface DispatchHandler {
  onRequestStart?(controller: DispatchController, context: unknown): void;
  onResponseStart?(
    controller: DispatchController,
    statusCode: number,
    headers: NodeJS.Dict<string | string[]>,
    statusMessage?: string,
  ): void;
  onResponseData?(controller: DispatchController, chunk: Buffer): void;
  onResponseEnd?(controller: DispatchController, trailers: NodeJS.Dict<string | string[]>): void;
  onResponseError?(controller: DispatchController, error: Error): void;
}

/**
 * undici's older handler interface, which the `fetch` inside Node 24 (undici 7) still uses: the
 * same events, told with raw header lines, and a `false` return asking for a pause.
 */
export interface LegacyDispatchHandler {
  onConnect?(abort: (reason?: Error) => void, context?: unknown): void;
  onResponseStarted?(): void;
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean | undefined;
  onData?(chunk: Buffer): boolean | undefined;
  onComplete?(trailers: string[] | null): void;
  onError?(error: Error): void;
}

export interface NodeHttpDispatcherOptions {
  /**
   * A request fails when its socket is silent this long, waiting for the response's head or its
   * next bytes (undici's `headersTimeout` and `bodyTimeout`, 300 s by default).
   */
  readonly timeoutMs?: number;
  /** How long an idle keep-alive connection is kept (undici's `keepAliveTimeout`, 4 s by default). */
  readonly keepAliveMs?: number;
}

/** A network error with the code undici would give it, so that retries and classification agree. */
class TransportError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = 'TransportError';
    this.code = code;
  }
}

export class NodeHttpDispatcher {
  readonly #timeoutMs: number;
  readonly #http: http.Agent;
  readonly #https: https.Agent;
  #closed = false;

  constructor(options: NodeHttpDispatcherOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 300_000;
    // `timeout` is how long a free socket waits for its next request before the agent closes it;
    // the agent shortens it to a server's `Keep-Alive: timeout=` hint less a second, as undici does.
    // LIFO: the connection used last is the least likely to have been closed by the server.
    const agent = { keepAlive: true, timeout: options.keepAliveMs ?? 4_000, scheduling: 'lifo' } as const;
    this.#http = new http.Agent(agent);
    this.#https = new https.Agent(agent);
  }

  /** Sends one request; the handler hears its response. Returns true, as undici's dispatchers do. */
  dispatch(options: DispatchOptions, handler: DispatchHandler | LegacyDispatchHandler): boolean {
    const exchange = new Exchange('onHeaders' in handler ? fromLegacy(handler) : handler);
    if (this.#closed) {
      exchange.fail(new TransportError('The dispatcher is closed', 'UND_ERR_CLOSED'));
      return true;
    }
    let url: URL;
    try {
      url = new URL(options.path, options.origin ?? undefined);
    } catch (error) {
      exchange.fail(error as Error);
      return true;
    }
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') {
      exchange.fail(new TypeError(`Unsupported protocol ${url.protocol} in ${url.origin}`));
      return true;
    }
    const request = (secure ? https : http).request(url, {
      method: options.method,
      headers: headerObject(options.headers),
      agent: secure ? this.#https : this.#http,
    });
    exchange.start(request, this.#timeoutMs);
    void writeBody(request, options.body).catch((error: Error) => request.destroy(error));
    return true;
  }

  /** Refuses new requests and closes every connection now, idle or in flight (those requests fail). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#http.destroy();
    this.#https.destroy();
  }

  /** The same as `close`, under the other name undici's dispatchers answer to. */
  async destroy(): Promise<void> {
    await this.close();
  }
}

/** One request and its response, told to the handler once each, in order. */
class Exchange implements DispatchController {
  readonly #handler: DispatchHandler;
  #request: http.ClientRequest | undefined;
  #response: http.IncomingMessage | undefined;
  #done = false;
  #aborted = false;
  #paused = false;
  #reason: Error | null = null;
  #rawHeaders: Buffer[] | undefined;

  constructor(handler: DispatchHandler) {
    this.#handler = handler;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  get rawHeaders(): readonly Buffer[] | undefined {
    return this.#rawHeaders;
  }

  abort(reason: Error): void {
    if (this.#done) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#request?.destroy();
    this.fail(reason);
  }

  pause(): void {
    this.#paused = true;
    this.#response?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#response?.resume();
  }

  start(request: http.ClientRequest, timeoutMs: number): void {
    this.#request = request;
    this.#handler.onRequestStart?.(this, {});
    request.setTimeout(timeoutMs, () => {
      const code = this.#response ? 'UND_ERR_BODY_TIMEOUT' : 'UND_ERR_HEADERS_TIMEOUT';
      request.destroy(new TransportError(`No bytes from the server for ${timeoutMs} ms`, code));
    });
    request.on('error', (error) => this.fail(error));
    request.on('response', (response) => {
      if (this.#done) {
        response.destroy();
        return;
      }
      this.#response = response;
      if (this.#paused) response.pause();
      // Node decodes header bytes as Latin-1; undici's fetch wants them back as bytes.
      this.#rawHeaders = response.rawHeaders.map((line) => Buffer.from(line, 'latin1'));
      this.#handler.onResponseStart?.(this, response.statusCode ?? 0, response.headersDistinct, response.statusMessage);
      response.on('data', (chunk: Buffer) => {
        if (!this.#done) this.#handler.onResponseData?.(this, chunk);
      });
      response.on('end', () => {
        if (this.#done) return;
        this.#done = true;
        this.#handler.onResponseEnd?.(this, response.trailersDistinct);
      });
      // A response cut short: 'aborted' comes before the socket's error, or alone.
      response.on('aborted', () => this.fail(new TransportError('The server closed the connection', 'UND_ERR_SOCKET')));
      response.on('error', (error) => this.fail(error));
    });
  }

  fail(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#handler.onResponseError?.(this, error);
  }
}

/** The handler interface `fetch` of undici 7 implements, told in the terms of undici 8's. */
function fromLegacy(legacy: LegacyDispatchHandler): DispatchHandler {
  return {
    onRequestStart: (controller) => legacy.onConnect?.((reason) => controller.abort(reason ?? abortError())),
    onResponseStart: (controller, statusCode, _headers, statusMessage) => {
      legacy.onResponseStarted?.();
      const go = legacy.onHeaders(
        statusCode,
        [...(controller.rawHeaders ?? [])],
        () => controller.resume(),
        statusMessage ?? '',
      );
      if (go === false) controller.pause();
    },
    onResponseData: (controller, chunk) => {
      if (legacy.onData?.(chunk) === false) controller.pause();
    },
    onResponseEnd: (_controller, trailers) => {
      legacy.onComplete?.(
        Object.entries(trailers).flatMap(([name, values]) => [values ?? []].flat().flatMap((v) => [name, v])),
      );
    },
    onResponseError: (_controller, error) => legacy.onError?.(error),
  };
}

const abortError = () => new DOMException('The operation was aborted.', 'AbortError');

async function writeBody(request: http.ClientRequest, body: unknown): Promise<void> {
  if (body === null || body === undefined) {
    request.end();
  } else if (typeof body === 'string' || body instanceof Uint8Array) {
    request.end(body);
  } else if (isAsyncIterable(body) || isIterable(body)) {
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      if (request.destroyed) return;
      if (!request.write(chunk)) await once(request, 'drain');
    }
    request.end();
  } else {
    throw new TypeError(`Cannot send a request body of type ${Object.prototype.toString.call(body)}`);
  }
}

/** Request headers as undici may pass them: an object, `[name, value]` pairs, or a flat list. */
function headerObject(headers: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const add = (name: unknown, value: unknown) => {
    if (value === undefined || value === null) return;
    const key = String(name);
    const text = Array.isArray(value) ? value.map(String) : String(value);
    const had = out[key];
    out[key] = had === undefined ? text : [...[had].flat(), ...[text].flat()];
  };
  if (headers === null || headers === undefined) return out;
  if (Array.isArray(headers)) {
    if (headers.every((h) => Array.isArray(h))) for (const [name, value] of headers) add(name, value);
    else for (let i = 0; i + 1 < headers.length; i += 2) add(headers[i], headers[i + 1]);
  } else if (isIterable(headers) && typeof headers !== 'string') {
    for (const [name, value] of headers as Iterable<[unknown, unknown]>) add(name, value);
  } else if (typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) add(name, value);
  }
  return out;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof (value as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === 'function';

const isIterable = (value: unknown): value is Iterable<unknown> =>
  typeof (value as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] === 'function';
