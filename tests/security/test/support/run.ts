import fc from 'fast-check';
import { type Generated, judge, type RouteSpec } from './cases.ts';
import { type Answer, type HostileRequest, sendAll } from './http-client.ts';

/** What one route's run sent, how long it took and what it found. */
export interface RouteRun {
  readonly route: string;
  readonly requests: number;
  readonly ms: number;
  readonly statuses: Record<number, number>;
  readonly failures: readonly string[];
  readonly generated: readonly Generated[];
  readonly answers: readonly Answer[];
}

// Node refuses a request line and headers over 16 KiB before fastify sees a request: packages/auth's
// client-error handler answers 431 in JSON, with the security headers and `Connection: close`.
const HEADER_LIMIT = 16 * 1024;
const headSize = (r: HostileRequest) =>
  r.method.length +
  r.path.length +
  12 +
  Object.entries(r.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);

function judged(g: Generated, answer: Answer): string | undefined {
  const size = headSize(g.request);
  if (size > HEADER_LIMIT - 512) {
    // Node may reset the connection before the client has read its 431: a refusal too.
    if (answer.status === 431) {
      const type = String(answer.headers['content-type'] ?? '');
      if (!type.startsWith('application/json')) return `431 as ${type}`;
      if (answer.headers['x-content-type-options'] !== 'nosniff') return '431 without x-content-type-options: nosniff';
      return answer.headers['connection'] === 'close' ? undefined : '431 without Connection: close';
    }
    if (answer.status === 0 && /ECONNRESET|EPIPE|socket hang up/.test(answer.error ?? '')) return undefined;
    if (size > HEADER_LIMIT + 512) return `expected 431 for ${size} bytes of head, got ${answer.status}`;
  }
  return judge(g, answer);
}

/** A request whose head Node will refuse goes on its own connection (Node closes it after the 431). */
function closeIfOversized(g: Generated): Generated {
  if (headSize(g.request) <= HEADER_LIMIT - 512) return g;
  return { ...g, request: { ...g.request, ownConnection: true } };
}

let nextSource = 0;
/** A fresh loopback source address (127.1.0.0/16): another client as far as a rate limit goes. */
export function freshSource(): string {
  const n = nextSource++;
  return `127.1.${Math.floor(n / 250)}.${(n % 250) + 1}`;
}

/**
 * Spreads requests over source addresses so no address gets more than `perSource` of those the
 * rate limiter counts: the run checks validation, not the limiter (which has its own test).
 */
function withSources(generated: readonly Generated[], perSource: number | undefined): Generated[] {
  if (perSource === undefined) return [...generated];
  let source = freshSource();
  let used = 0;
  return generated.map((g) => {
    if (g.rateCounted) {
      if (used >= perSource) {
        source = freshSource();
        used = 0;
      }
      used++;
    }
    return { ...g, request: { ...g.request, from: source } };
  });
}

const describeRequest = (r: HostileRequest) => {
  const body = r.body === undefined ? 'no body' : `${r.body.length} bytes: ${r.body.toString('utf8').slice(0, 160)}`;
  return `${r.method} ${r.path.slice(0, 200)} headers ${JSON.stringify(r.headers).slice(0, 300)} ${body}`;
};

/** Generates `runs` requests for a route (seeded), sends them, and judges every answer. */
export async function runRoute(
  spec: RouteSpec,
  base: string,
  runs: number,
  inFlight: number,
  seed: number,
): Promise<RouteRun> {
  const generated = withSources(fc.sample(spec.arbitrary, { numRuns: runs, seed }), spec.perSource).map(
    closeIfOversized,
  );
  const started = performance.now();
  const answers = await sendAll(
    new URL(base),
    generated.map((g) => g.request),
    inFlight,
  );
  const ms = performance.now() - started;
  const statuses: Record<number, number> = {};
  const failures: string[] = [];
  for (const [i, g] of generated.entries()) {
    const answer = answers[i]!;
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    const problem = judged(g, answer);
    if (problem) failures.push(`${problem}\n    ${g.label}\n    ${describeRequest(g.request)}`);
  }
  return { route: spec.name, requests: generated.length, ms, statuses, failures, generated, answers };
}
