import type { ModifiedProperty, ProvisioningCommandV1, ProvisioningResultV1, ResultError } from '@provision/events';
import type { LinkedBy } from './plan.ts';

export interface ResultFacts {
  readonly status: ProvisioningResultV1['status'];
  readonly salesforceId: string | null;
  readonly linkedBy: LinkedBy;
  readonly error: ResultError | null;
  readonly modifiedProperties: readonly ModifiedProperty[];
  readonly dryRun: boolean;
  readonly attempt: number;
  readonly startedAt: number;
  readonly completedAt: number;
}

/** The one `provisioning.results.v1` event of a command. */
export function resultOf(command: ProvisioningCommandV1, facts: ResultFacts): ProvisioningResultV1 {
  return {
    commandId: command.commandId,
    changeId: command.changeId,
    userId: command.userId,
    action: command.action,
    status: facts.status,
    salesforceId: facts.salesforceId,
    linkedBy: facts.linkedBy,
    error: facts.error,
    modifiedProperties: [...facts.modifiedProperties],
    dryRun: facts.dryRun,
    attempt: facts.attempt,
    startedAt: new Date(facts.startedAt).toISOString(),
    completedAt: new Date(facts.completedAt).toISOString(),
    durationMs: Math.max(0, Math.round(facts.completedAt - facts.startedAt)),
  };
}

/** Splits commands into rounds in which each user appears once, keeping each user's commands in order. */
export function roundsOf<T extends { userId: string }>(commands: readonly T[]): T[][] {
  const rounds: T[][] = [];
  const seen = new Map<string, number>();
  for (const command of commands) {
    const round = seen.get(command.userId) ?? 0;
    seen.set(command.userId, round + 1);
    const bucket = rounds[round] ?? [];
    rounds[round] = bucket;
    bucket.push(command);
  }
  return rounds;
}
