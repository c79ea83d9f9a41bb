import type { ProvisioningCommandV1 } from '@provision/events';
import { backoffDelay, SALESFORCE_POLICY } from '@provision/retry';

/**
 * How often each command in hand was given back for a later batch because Salesforce refused its
 * record as locked (`deferRecord` of the batch writer). A command is given back at most `maxTimes`
 * times; after that its batch retries it in place, and gives up with a failure result as before,
 * so a record Salesforce never takes still ends logged. Forgotten once answered; at most
 * `capacity` commands are remembered (the oldest go first: a command moved to another replica by a
 * rebalance is never answered here).
 */
export class Deferrals {
  private readonly times = new Map<string, number>();
  private readonly maxTimes: number;
  private readonly capacity: number;
  private readonly random: () => number;

  constructor(options: { maxTimes: number; capacity: number; random?: () => number }) {
    this.maxTimes = options.maxTimes;
    this.capacity = Math.max(1, options.capacity);
    this.random = options.random ?? Math.random;
  }

  /** May this command be given back once more? If so, it is counted. */
  take(command: ProvisioningCommandV1): boolean {
    const n = this.times.get(command.commandId) ?? 0;
    if (n >= this.maxTimes) return false;
    this.times.delete(command.commandId);
    this.times.set(command.commandId, n + 1);
    if (this.times.size > this.capacity) this.times.delete(this.times.keys().next().value as string);
    return true;
  }

  /** How long a command given back waits before its next batch: Salesforce's backoff, per time. */
  delayMs(command: ProvisioningCommandV1): number {
    return backoffDelay(this.times.get(command.commandId) ?? 1, SALESFORCE_POLICY, this.random);
  }

  /** The command was answered: its count goes. */
  forget(command: ProvisioningCommandV1): void {
    this.times.delete(command.commandId);
  }

  get size(): number {
    return this.times.size;
  }
}
