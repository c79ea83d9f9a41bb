import { counter, gauge, histogram, type Registry } from '@provision/telemetry';
import type { IngestorMetrics } from '../domain/ports.ts';

/** The ingestor's Prometheus metrics. */
export function promMetrics(registry: Registry): IngestorMetrics {
  const published = counter(registry, 'ingestor_events_published_total', 'Directory events published, by type', [
    'type',
  ]);
  const rounds = histogram(
    registry,
    'ingestor_round_duration_seconds',
    'Sync round duration, by mode and outcome',
    ['mode', 'outcome'],
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
  );
  const notifications = counter(
    registry,
    'ingestor_notifications_total',
    'Graph notifications received, by kind and outcome (rejected = wrong clientState or malformed; unknown = another tenant or a subscription not ours)',
    ['kind', 'outcome'],
  );
  const polls = counter(
    registry,
    'ingestor_assignment_polls_total',
    'Assignments polls, by outcome (changed = a round was requested; skipped = a round was running or failing)',
    ['outcome'],
  );
  const leader = gauge(
    registry,
    'ingestor_leader',
    '1 while this replica is the leader (reads Graph, runs rounds); 0 while it stands by',
    [],
  );
  const transitions = counter(
    registry,
    'ingestor_leadership_changes_total',
    'Times this replica became the leader (to=leader) or stopped being it (to=standby)',
    ['to'],
  );
  let current: boolean | undefined;
  return {
    leadership: (isLeader) => {
      // Called with false at start too (a standby until elected): that is not a change.
      if (isLeader === current) return;
      if (isLeader || current !== undefined) transitions.inc({ to: isLeader ? 'leader' : 'standby' });
      current = isLeader;
      leader.set(isLeader ? 1 : 0);
    },
    published: (type, count) => published.inc({ type }, count),
    round: (mode, outcome, seconds) => rounds.observe({ mode, outcome }, seconds),
    notification: (kind, outcome, count) => {
      if (count > 0) notifications.inc({ kind, outcome }, count);
    },
    assignmentPoll: (outcome) => polls.inc({ outcome }),
  };
}
