import type { FastifyInstance } from 'fastify';
import { GraphHttpError } from '../graph-error.ts';
import { jsonObject } from './context.ts';

/** The most requests one JSON batch may carry. */
export const BATCH_LIMIT = 20;

interface BatchStep {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

/** `POST /$batch`: up to 20 requests, each run (and throttled) on its own; `dependsOn` failures answer 424. */
export function registerBatchRoutes(app: FastifyInstance): void {
  app.post('/v1.0/$batch', async (request) => {
    const steps = parseBatch(jsonObject(request.body));
    const results = new Map<string, number>();
    const responses: Record<string, unknown>[] = [];
    for (const step of steps) {
      if (step.dependsOn.some((id) => (results.get(id) ?? 424) >= 400)) {
        results.set(step.id, 424);
        responses.push({
          id: step.id,
          status: 424,
          headers: { 'content-type': 'application/json' },
          body: { error: { code: 'FailedDependency', message: 'A request this request depends on failed.' } },
        });
        continue;
      }
      const response = await app.inject({
        method: step.method as 'GET',
        url: `/v1.0${step.url.startsWith('/') ? '' : '/'}${step.url}`,
        headers: {
          ...step.headers,
          host: request.headers.host ?? 'localhost',
          authorization: request.headers.authorization ?? '',
          'client-request-id': String(request.headers['client-request-id'] ?? ''),
        },
        ...(step.body === undefined ? {} : { payload: JSON.stringify(step.body) }),
      });
      results.set(step.id, response.statusCode);
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'retry-after', 'location', 'preference-applied']) {
        const value = response.headers[name];
        if (value !== undefined) headers[name] = String(value);
      }
      const entry: Record<string, unknown> = { id: step.id, status: response.statusCode, headers };
      if (response.body.length > 0)
        entry['body'] = response.headers['content-type']?.toString().includes('json') ? response.json() : response.body;
      responses.push(entry);
    }
    return { responses };
  });
}

function parseBatch(input: Record<string, unknown>): BatchStep[] {
  const requests = input['requests'];
  if (!Array.isArray(requests) || requests.length === 0)
    throw bad('The batch request must contain a non-empty "requests" array.');
  if (requests.length > BATCH_LIMIT) throw bad(`Number of batch request steps exceeds the maximum of ${BATCH_LIMIT}.`);
  const ids = new Set<string>();
  return requests.map((raw) => {
    const step = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const id = step['id'];
    const method = step['method'];
    const url = step['url'];
    if (typeof id !== 'string' || id === '') throw bad('Each batch request must have an "id".');
    if (ids.has(id)) throw bad(`Batch request ids must be unique; '${id}' is repeated.`);
    ids.add(id);
    if (typeof method !== 'string' || !/^(GET|POST|PATCH|PUT|DELETE)$/i.test(method))
      throw bad(`Invalid method for request '${id}'.`);
    if (typeof url !== 'string' || url === '' || /^https?:/i.test(url))
      throw bad(`The url of request '${id}' must be relative.`);
    const headers = (step['headers'] ?? {}) as Record<string, string>;
    if (step['body'] !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      throw bad(`Content-Type header is required for request '${id}', which has a body.`);
    }
    const dependsOn = Array.isArray(step['dependsOn']) ? step['dependsOn'].map(String) : [];
    return { id, method: method.toUpperCase(), url, headers, body: step['body'], dependsOn };
  });
}

function bad(message: string): GraphHttpError {
  return new GraphHttpError(400, 'BadRequest', message);
}
