import { Agent, type IncomingHttpHeaders, request } from 'node:http';

/** One request as it goes on the wire. */
export interface HostileRequest {
  readonly method: string;
  /** Path and query, percent-encoded where needed. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer | undefined;
  /** `transfer-encoding: chunked` (two chunks) instead of a content length. */
  readonly chunked?: boolean;
  /** A loopback source address: another client, as far as rate limits are concerned. */
  readonly from?: string;
  /** Sent on a connection of its own, not a pooled one. */
  readonly ownConnection?: boolean;
}

/** What came back: status 0 when the connection ended without an answer, -1 when it could not be sent. */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The first `KEEP` bytes of the body (the rest is read and dropped). */
  readonly body: Buffer;
  readonly error?: string;
}

const KEEP = 256 * 1024;
const TIMEOUT_MS = 30_000;

/** A keep-alive connection pool to one service, `inFlight` requests at once. */
export function keepAlive(inFlight: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: inFlight, maxFreeSockets: inFlight, scheduling: 'lifo' });
}

/** Sends one request and reads the whole answer. Never rejects: a failure is an answer with status 0. */
export async function send(base: URL, req: HostileRequest, agent: Agent | false): Promise<Answer> {
  const answer = await sendOnce(base, req, agent);
  // A kept-alive socket the server closed meanwhile (after a refusal it answered by closing, such
  // as Node's 431) fails the next request sent on it before any byte is read: Node's documented
  // race. That request is sent again on a fresh connection; a service that is down fails both.
  if (answer.status === 0 && answer.reused) return sendOnce(base, req, false);
  return answer;
}

function sendOnce(base: URL, req: HostileRequest, agent: Agent | false): Promise<Answer & { reused?: boolean }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: Answer & { reused?: boolean }) => {
      if (!settled) {
        settled = true;
        resolve(answer);
      }
    };
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) {
      // Node frames a GET's body only when told to: without the header it would be sent raw.
      if (req.chunked) headers['transfer-encoding'] = 'chunked';
      else headers['content-length'] = String(req.body.length);
    }
    let outgoing: ReturnType<typeof request>;
    try {
      outgoing = request(
        {
          host: base.hostname,
          port: base.port,
          method: req.method,
          path: req.path,
          headers,
          agent,
          timeout: TIMEOUT_MS,
          ...(req.from ? { localAddress: req.from } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          response.on('data', (chunk: Buffer) => {
            if (kept < KEEP) {
              chunks.push(chunk);
              kept += chunk.length;
            }
          });
          const finish = (error?: string) =>
            done({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).subarray(0, KEEP),
              ...(error ? { error } : {}),
            });
          response.on('end', () => finish());
          response.on('error', (e) => finish(`answer cut: ${e.message}`));
          response.on('aborted', () => finish('answer aborted'));
        },
      );
    } catch (error) {
      // Node's client refuses some headers before sending: nothing reached the service.
      done({ status: -1, headers: {}, body: Buffer.alloc(0), error: `not sent: ${(error as Error).message}` });
      return;
    }
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    // The server may answer (401, 413, 415) and close before it has read the body: the answer
    // counts; an error without an answer is status 0.
    outgoing.on('error', (e) =>
      done({ status: 0, headers: {}, body: Buffer.alloc(0), error: e.message, reused: outgoing.reusedSocket }),
    );
    if (req.body === undefined) {
      outgoing.end();
    } else if (req.chunked) {
      const half = Math.floor(req.body.length / 2);
      outgoing.write(req.body.subarray(0, half));
      outgoing.end(req.body.subarray(half));
    } else {
      outgoing.end(req.body);
    }
  });
}

/** Sends every request with `inFlight` at once over one keep-alive pool; answers in order. */
export async function sendAll(base: URL, requests: readonly HostileRequest[], inFlight: number): Promise<Answer[]> {
  const agent = keepAlive(inFlight);
  const answers = new Array<Answer>(requests.length);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      const req = requests[i]!;
      answers[i] = await send(base, req, req.ownConnection ? false : agent);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(inFlight, requests.length) }, worker));
  } finally {
    agent.destroy();
  }
  return answers;
}
