// API calls: every request salesforce-sim receives during the initial sync (after the writer has
// logged in and tested its connection), per 1,000 users created.
import type { Pipeline } from '../tools/demo/src/index.ts';
import type { Outcome } from './lib/audit.ts';
import { scrapeMetrics } from './lib/harness.ts';
import { round } from './lib/stats.ts';

export const API_CALLS_TARGET = 8;

export interface ApiCallsResult {
  parameters: { users: number; existingShare: number };
  /** All requests to the simulator (REST, SOAP, OAuth, Composite…), by `METHOD /route`, during the sync. */
  requests: Record<string, number>;
  totalRequests: number;
  /** Requests the org counts against its daily API allocation (authenticated REST; logins are not counted). */
  orgApiUsage: number;
  /** The writer's own count (`writer_salesforce_api_calls_total`), as a cross-check. */
  writerMetrics: Record<string, number>;
  /** The writer's `writer_batch_size` histogram: records or values per call, by operation. */
  writerBatchSizes: Record<string, { calls: number; mean: number }>;
  /** What was reset before the sync (the writer's log-in and connection test at start). */
  excludedAtStart: Record<string, number>;
  usersCreated: number;
  usersMatched: number;
  callsPer1000Created: number;
  callsPer1000Provisioned: number;
  pass: boolean;
}

/** Reads and resets the counters: call once the services are up and before the sync writes anything. */
export function startCounting(pipeline: Pipeline): { excluded: Record<string, number>; apiUsedAtStart: number } {
  const sf = pipeline.sims.salesforce;
  const excluded = sf.admin.requestCounts();
  sf.admin.resetRequestCounts();
  return { excluded, apiUsedAtStart: sf.admin.summary(sf.orgId).apiUsage.used };
}

export async function readApiCalls(
  pipeline: Pipeline,
  start: { excluded: Record<string, number>; apiUsedAtStart: number },
  outcome: Outcome,
  parameters: ApiCallsResult['parameters'],
): Promise<ApiCallsResult> {
  const sf = pipeline.sims.salesforce;
  const requests = sf.admin.requestCounts();
  const totalRequests = Object.values(requests).reduce((a, b) => a + b, 0);
  const per = (n: number) => (n === 0 ? Number.NaN : round((totalRequests / n) * 1000, 2));
  const callsPer1000Created = per(outcome.created);
  return {
    parameters,
    requests,
    totalRequests,
    orgApiUsage: sf.admin.summary(sf.orgId).apiUsage.used - start.apiUsedAtStart,
    writerMetrics: await scrapeMetrics(pipeline, 'writer', 'writer_salesforce_api_calls_total'),
    writerBatchSizes: batchSizes(await scrapeMetrics(pipeline, 'writer', 'writer_batch_size_')),
    excludedAtStart: start.excluded,
    usersCreated: outcome.created,
    usersMatched: outcome.matched,
    callsPer1000Created,
    callsPer1000Provisioned: per(outcome.created + outcome.matched),
    pass: callsPer1000Created <= API_CALLS_TARGET,
  };
}

function batchSizes(samples: Record<string, number>): Record<string, { calls: number; mean: number }> {
  const out: Record<string, { calls: number; mean: number }> = {};
  for (const [key, count] of Object.entries(samples)) {
    const m = /^writer_batch_size_count\{operation="([^"]+)"/.exec(key);
    if (!m) continue;
    const sum = samples[key.replace('_count', '_sum')] ?? Number.NaN;
    out[m[1]!] = { calls: count, mean: round(sum / count, 1) };
  }
  return out;
}
