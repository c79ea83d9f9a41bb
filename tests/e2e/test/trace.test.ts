import { randomUUID } from 'node:crypto';
import { type Pipeline, startPipeline, waitForInitialSync } from '@provision/demo';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver, waitFor } from '@provision/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN, logsOf, sfUser } from './helpers.ts';

const id = randomUUID();
const upn = `traced.${id.slice(0, 6)}@${DOMAIN}`;

describe('one change is one trace, from the Graph notification to the audit log (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  let receiver: OtlpReceiver;
  let pipeline: Pipeline | undefined;
  let trace: ReceivedSpan[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    pipeline = await startPipeline({
      users: 0,
      existingShare: 0,
      logLevel: 'warn',
      // Only the first round and the notification's: no poll round may pick the change up first.
      syncIntervalMs: 600_000,
      env: Object.fromEntries(
        (['ingestor', 'mapper', 'writer', 'audit'] as const).map((s) => [
          s,
          // Nothing exported on the batch processor's schedule: every span arrives at the graceful stop.
          {
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
            OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
            OTEL_BSP_SCHEDULE_DELAY: '600000',
          },
        ]),
      ),
      prepare: ({ graph }) => {
        graph.admin.createUser(
          {
            userPrincipalName: upn,
            mail: upn,
            mailNickname: 'traced',
            givenName: 'Traced',
            surname: 'Before',
            displayName: 'Traced Before',
            accountEnabled: true,
          },
          id,
        );
        graph.admin.assign(id, 'Standard User');
      },
    });
    const sims = pipeline.sims;
    await waitForInitialSync(pipeline.audit, { timeoutMs: 120_000 });
    await waitFor(() => sfUser(sims, upn)?.['LastName'] === 'Before', { timeout: 30_000, message: 'user created' });

    sims.graph.admin.updateUser(id, { surname: 'After' });
    await waitFor(() => sfUser(sims, upn)?.['LastName'] === 'After', { timeout: 30_000, message: 'rename written' });
    // The result's audit row may trail Salesforce by a moment; then every service stops gracefully,
    // which is when the last spans are exported.
    await waitFor(
      async () =>
        (await logsOf(pipeline!, { userId: id })).some((e) => e.action === 'update' && e.status === 'success'),
      { timeout: 30_000, message: 'the update’s result in the audit log' },
    );
    await pipeline.stop();
    pipeline = undefined;

    // The trace of the change: the one whose ingestor round began at a change notification and
    // sent this user's directory event.
    const spans = receiver.spans;
    const byTrace = Map.groupBy(spans, (s) => s.traceId);
    const traced = [...byTrace.values()].filter(
      (t) =>
        t.some((s) => s.service === 'ingestor' && s.name === 'POST /webhooks/graph') &&
        t.some(
          (s) =>
            s.service === 'mapper' &&
            s.name.startsWith('process ') &&
            s.attributes['messaging.kafka.message.key'] === id,
        ),
    );
    expect(traced, 'traces holding the notification and the mapper consuming this user’s event').toHaveLength(1);
    trace = traced[0]!;
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await receiver?.close();
  });

  it('has spans from all four services', () => {
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['ingestor', 'mapper', 'writer', 'audit']));
  });

  it('has one root, the notification, and every other span’s parent in the same trace', () => {
    const ids = new Set(trace.map((s) => s.spanId));
    const roots = trace.filter((s) => s.parentSpanId === '');
    expect(roots.map((s) => `${s.service} ${s.name}`)).toEqual(['ingestor POST /webhooks/graph']);
    expect(trace.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId))).toEqual([]);
  });

  it('leads from the notification through every stage to the Salesforce call and the audit insert', () => {
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const path = (span: ReceivedSpan): string[] => {
      const out: string[] = [];
      for (let s: ReceivedSpan | undefined = span; s; s = byId.get(s.parentSpanId))
        out.unshift(`${s.service}: ${s.name}`);
      return out;
    };
    const salesforce = trace.find((s) => s.service === 'writer' && s.name === 'salesforce updateUsers');
    expect(salesforce, 'the Salesforce update call').toBeDefined();
    const prefix = (p: string) => expect.stringMatching(new RegExp(`^${p}`));
    // A notified change goes over the live lane of commands unless the user has commands unanswered.
    const commands = 'provisioning\\.commands\\.(live\\.)?v1';
    expect(path(salesforce!)).toEqual([
      'ingestor: POST /webhooks/graph',
      'ingestor: sync round',
      prefix('ingestor: send .*entra\\.directory\\.v1'),
      prefix('mapper: process .*entra\\.directory\\.v1'),
      prefix(`mapper: send .*${commands}`),
      prefix(`writer: process .*${commands}`),
      'writer: writer flush',
      'writer: salesforce updateUsers',
    ]);
    // The mapper decided in its batch's handle span, a child of the event's process span (what a
    // message leads to follows from its own process span: a batch serves many traces).
    const decided = trace.find((s) => s.service === 'mapper' && s.name.startsWith('handle '));
    expect(decided && path(decided).slice(-2)).toEqual([
      prefix('mapper: process .*entra\\.directory\\.v1'),
      prefix('mapper: handle .*entra\\.directory\\.v1'),
    ]);
    const results = trace.filter((s) => s.service === 'audit' && s.name === 'audit insert');
    const paths = results.map((s) => path(s).join(' > '));
    expect(paths).toContainEqual(
      expect.stringMatching(
        /writer: process .*provisioning\.commands\.(live\.)?v1 > writer: send .*provisioning\.results\.v1 > audit: process .*provisioning\.results\.v1 > audit: handle .*provisioning\.results\.v1 > audit: audit insert$/,
      ),
    );
  });
});
