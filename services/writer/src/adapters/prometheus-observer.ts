import { counter, gauge, histogram, type Registry } from '@provision/telemetry';
import type { ConcurrencyView } from '../domain/concurrency.ts';
import type { WriterObserver } from '../domain/observer.ts';

/** Writer metrics: commands by action and status, Salesforce calls, batch sizes, latency, quarantine. */
export function prometheusObserver(registry: Registry, now: () => number = Date.now): WriterObserver {
  const commands = counter(registry, 'writer_commands_total', 'Commands answered, by action and status', [
    'action',
    'status',
  ]);
  const calls = counter(
    registry,
    'writer_salesforce_api_calls_total',
    'Salesforce API calls, by operation and outcome',
    ['operation', 'outcome'],
  );
  const sizes = histogram(
    registry,
    'writer_batch_size',
    'Records or values per Salesforce call',
    ['operation'],
    [1, 5, 10, 25, 50, 100, 200, 500, 1000],
  );
  const latency = histogram(
    registry,
    'writer_command_latency_seconds',
    'From the command being issued to its result',
    ['action', 'status'],
    [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
  );
  const quarantined = gauge(registry, 'writer_quarantined', '1 while the writer is quarantined');
  quarantined.set(0);
  const paused = gauge(
    registry,
    'writer_paused',
    '1 while this writer holds its batches because an admin paused provisioning',
  );
  paused.set(0);
  return {
    apiCall: (operation, outcome) => calls.inc({ operation, outcome }),
    batch: (operation, size) => sizes.observe({ operation }, size),
    result: (result, issuedAt) => {
      commands.inc({ action: result.action, status: result.status });
      const issued = Date.parse(issuedAt);
      if (!Number.isNaN(issued))
        latency.observe({ action: result.action, status: result.status }, Math.max(0, now() - issued) / 1000);
    },
    quarantine: (active) => quarantined.set(active ? 1 : 0),
    paused: (active) => paused.set(active ? 1 : 0),
  };
}

/**
 * The fleet's concurrency budget as this replica last saw it: the adaptive limit and the calls in
 * flight across all replicas (Redis), for dashboards and alerts.
 */
export function concurrencyGauges(registry: Registry): (view: ConcurrencyView) => void {
  const limit = gauge(
    registry,
    'writer_salesforce_concurrency_limit',
    'Salesforce calls the writer fleet may run at once (adaptive, AIMD)',
  );
  const inFlight = gauge(registry, 'writer_salesforce_calls_in_flight', 'Salesforce calls the writer fleet runs now');
  return (view) => {
    limit.set(view.limit);
    inFlight.set(view.inFlight);
  };
}
