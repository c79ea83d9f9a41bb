import type { LifecycleEventV1, LifecycleType } from '@provision/events';

/** One row of the table: an Entra user and their Salesforce user, as the last event left them. */
export interface ActiveUserRow {
  userId: string;
  salesforceId: string;
  active: boolean;
  /** The last event's type and when it happened. */
  last: LifecycleType;
  since: string;
}

/** What the table has seen. */
export interface ActiveUsersSummary {
  /** Events applied, by type (a redelivered event is counted once). */
  received: Record<LifecycleType, number>;
  /** Redelivered events recognised by their `eventId` and not applied again. */
  duplicates: number;
  active: number;
  inactive: number;
}

/**
 * "Who is active in Salesforce", kept from `provisioning.lifecycle.v1`. Every event states the
 * user's state after it (`active`, `salesforceId`), and events of one user arrive in order, so the
 * last event per user is the truth; an event seen before (same `eventId`) changes nothing.
 * In memory: a restarted subscriber rebuilds it by reading the topic from the beginning.
 */
export class ActiveUsers {
  readonly #rows = new Map<string, ActiveUserRow>();
  readonly #seen = new Set<string>();
  readonly #received: Record<LifecycleType, number> = {
    joiner: 0,
    mover: 0,
    leaver: 0,
    provisioned: 0,
    deprovisioned: 0,
  };
  #duplicates = 0;

  /** Applies one event; false when it was a redelivery (same `eventId`) and changed nothing. */
  apply(event: LifecycleEventV1): boolean {
    if (this.#seen.has(event.eventId)) {
      this.#duplicates++;
      return false;
    }
    this.#seen.add(event.eventId);
    this.#received[event.type]++;
    this.#rows.set(event.userId, {
      userId: event.userId,
      salesforceId: event.salesforceId,
      active: event.active,
      last: event.type,
      since: event.occurredAt,
    });
    return true;
  }

  get(userId: string): ActiveUserRow | undefined {
    return this.#rows.get(userId);
  }

  /** The users active in Salesforce now, by Entra object id. */
  active(): ActiveUserRow[] {
    return [...this.#rows.values()].filter((r) => r.active).sort((a, b) => a.userId.localeCompare(b.userId));
  }

  /** Every user an event was about, active or not. */
  all(): ActiveUserRow[] {
    return [...this.#rows.values()].sort((a, b) => a.userId.localeCompare(b.userId));
  }

  summary(): ActiveUsersSummary {
    const active = [...this.#rows.values()].filter((r) => r.active).length;
    return {
      received: { ...this.#received },
      duplicates: this.#duplicates,
      active,
      inactive: this.#rows.size - active,
    };
  }
}

/** `subscriber: 315 active, 12 inactive (received 300 joiner, 15 provisioned, …)`. */
export function formatSummary(s: ActiveUsersSummary): string {
  const received = Object.entries(s.received)
    .map(([type, n]) => `${n} ${type}`)
    .join(', ');
  const dup = s.duplicates > 0 ? `; ${s.duplicates} redelivered, ignored` : '';
  return `${s.active} active in Salesforce, ${s.inactive} inactive (received ${received}${dup})`;
}
