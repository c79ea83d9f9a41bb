// What jsforce's `lib/request.js` takes from `undici`, served by Node's own fetch: the bundles the
// image runs (tools/containers/src/bundle.ts) put this module where jsforce asks for `undici`.
//
// jsforce loads undici 8 only to call its `fetch` through a dispatcher, and ours replaces undici's
// (`setDispatcher(new NodeHttpDispatcher())`, packages/salesforce). Node's global `fetch` takes the
// same `dispatcher` option and NodeHttpDispatcher speaks its handler interface too, so the requests
// are the same; what goes is a second copy of undici: 1 MB of the writer's bundle, parsed into every
// writer and held in its heap (the source of a bundle stays in the heap for lazy compilation).
//
// What jsforce does with each name:
// - `fetch(url, { dispatcher, redirect: 'manual', duplex: 'half', signal, ... })`: every request;
// - `Response`: `instanceof` on what `fetch` resolved to, before retrying on a 420/429/5xx status;
// - `errors.SocketError`: `instanceof` on a failed fetch's cause, to read the socket's own error code;
//   NodeHttpDispatcher never raises one (its cause carries the code itself), as under undici 8;
// - `Agent`: its dispatcher until `setDispatcher` is called, made when the module loads;
// - `ProxyAgent`: only for jsforce's `httpProxy` option, which Provision does not set.
import { NodeHttpDispatcher } from './index.ts';

export const fetch: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init);

export const Response = globalThis.Response;

export class Agent extends NodeHttpDispatcher {
  constructor(_undiciOptions?: unknown) {
    super();
  }
}

export class ProxyAgent {
  constructor() {
    throw new Error('jsforce httpProxy: Provision does not send Salesforce requests through an HTTP proxy');
  }
}

export const errors = {
  SocketError: class SocketError extends Error {},
};
