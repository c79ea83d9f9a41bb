import type { ProvisioningCommandV1 } from '@provision/events';
import { describe, expect, it } from 'vitest';
import { inMemoryBatchDeps } from '../testing/batch-deps.ts';
import { aCommand } from '../testing/commands.ts';
import { InMemorySalesforceDirectory } from '../testing/in-memory-directory.ts';
import { InMemoryQuarantineStore } from '../testing/in-memory-stores.ts';
import { writeBatchDeferring } from './batch-writer.ts';
import { Deferrals } from './deferrals.ts';
import { SalesforceCallError } from './errors.ts';
import type { SalesforceFailure } from './ports.ts';
import { QuarantineGuard } from './quarantine.ts';

const LOCKED: SalesforceFailure = {
  code: 'SalesforceRecordLocked',
  salesforceCode: 'UNABLE_TO_LOCK_ROW',
  message: 'unable to obtain exclusive access to this record',
  fields: [],
  retriable: true,
};

function setup() {
  const directory = new InMemorySalesforceDirectory();
  const deps = inMemoryBatchDeps(directory);
  return { directory, clock: deps.clock, deps };
}

const username = (n: number) => (f: Record<string, unknown>) => f['Username'] === `user${n}@contoso.com`;

describe('a record Salesforce refuses as locked, given back for a later batch', () => {
  it('is not retried in its batch: no backoff, no call of its own; the others are answered', async () => {
    const { directory, clock, deps } = setup();
    directory.failRecords(username(401), LOCKED);
    const commands = [aCommand({ n: 400 }), aCommand({ n: 401 }), aCommand({ n: 402 })];
    const given: string[] = [];
    const { results, deferred } = await writeBatchDeferring(commands, {
      ...deps,
      deferRecord: (command, failure) => {
        given.push(`${command.userId} ${failure.salesforceCode}`);
        return true;
      },
    });

    expect(given).toEqual(['entra-401 UNABLE_TO_LOCK_ROW']);
    expect([...deferred.keys()]).toEqual([commands[1]]);
    expect(deferred.get(commands[1] as ProvisioningCommandV1)).toMatchObject({ salesforceCode: 'UNABLE_TO_LOCK_ROW' });
    expect([...results.keys()]).toEqual([commands[0], commands[2]]);
    expect([...results.values()].map((r) => r.status)).toEqual(['success', 'success']);
    expect(directory.calls.map((c) => c.operation)).toEqual(['query', 'create']);
    expect(clock.sleeps).toEqual([]);
    expect(directory.users.size).toBe(2);

    // The next batch takes it, found by nobody (the refused record was not created) and created once.
    const again = await writeBatchDeferring([commands[1] as ProvisioningCommandV1], deps);
    expect([...again.results.values()].map((r) => [r.status, r.linkedBy])).toEqual([['success', 'created']]);
    expect(directory.users.size).toBe(3);
  });

  it('without deferRecord (or when it says no) is retried in its batch, as before', async () => {
    const { directory, clock, deps } = setup();
    directory.failRecords(username(411), LOCKED);
    const commands = [aCommand({ n: 410 }), aCommand({ n: 411 })];
    const { results, deferred } = await writeBatchDeferring(commands, { ...deps, deferRecord: () => false });
    expect(deferred.size).toBe(0);
    expect(commands.map((c) => [results.get(c)?.status, results.get(c)?.attempt])).toEqual([
      ['success', 1],
      ['success', 2],
    ]);
    expect(clock.sleeps).toHaveLength(1);
    expect(directory.count('create')).toBe(2);
  });

  it("takes the user's later command in the batch back with it, so the user's commands stay in order", async () => {
    const { directory, deps } = setup();
    directory.failRecords(username(420), LOCKED);
    const create = aCommand({ n: 420 });
    const rename = aCommand({ n: 420, action: 'update', fields: { ...create.fields, LastName: 'Renamed' } });
    const { results, deferred } = await writeBatchDeferring([create, rename], { ...deps, deferRecord: () => true });
    expect(results.size).toBe(0);
    expect([...deferred.keys()]).toEqual([create, rename]);
    expect(deferred.get(rename)).toBeNull();
    expect(directory.users.size).toBe(0);
  });

  it('never gives back a command something of which was written (its user, before a set failed)', async () => {
    const { directory, deps } = setup();
    const command = aCommand({ n: 430, permissionSets: { add: ['Sales_Cloud_User'], remove: [] } });
    directory.failNextCall(
      'permissionSets',
      new SalesforceCallError(
        { code: 'SalesforceRequestFailed', message: 'Service Unavailable', fields: [], retriable: true },
        { status: 503 },
      ),
    );
    let asked = 0;
    const { results, deferred } = await writeBatchDeferring([command], {
      ...deps,
      deferRecord: () => {
        asked++;
        return true;
      },
    });
    expect(deferred.size).toBe(0);
    expect(results.get(command)).toMatchObject({ status: 'success', action: 'create', attempt: 2 });
    // The result still says how the user was written: created, with its fields and the set.
    expect(results.get(command)?.modifiedProperties.map((p) => p.name)).toContain('LastName');
    expect(asked).toBe(0);
  });
});

describe('the writer gives a locked record back at most WRITER_DEFER_LOCKED times', () => {
  function guard(deferrals: Deferrals) {
    const { directory, deps, clock } = setup();
    const logger = { info: () => {}, warn: () => {}, error: () => {} };
    const g = new QuarantineGuard({
      ...deps,
      store: new InMemoryQuarantineStore(),
      logger,
      settings: { threshold: 3, baseDelayMs: 1000, maxDelayMs: 10_000, retryDelayMs: 100 },
      deferrals,
    });
    return { g, directory, clock };
  }

  it('answers "later" with a growing backoff, then retries in place and fails with the lock, logged', async () => {
    const deferrals = new Deferrals({ maxTimes: 2, capacity: 100, random: () => 0 });
    const { g, directory } = guard(deferrals);
    directory.failRecords(username(440), LOCKED, 100);
    const command = aCommand({ n: 440 });

    const first = await g.run([command]);
    expect(first[0]).toMatchObject({ result: undefined, retryInMs: 500 });
    expect(first[0]?.reason).toContain('UNABLE_TO_LOCK_ROW');
    const second = await g.run([command]);
    expect(second[0]).toMatchObject({ result: undefined, retryInMs: 1000 });
    expect(deferrals.size).toBe(1);

    const third = await g.run([command]);
    expect(third[0]?.result).toMatchObject({
      status: 'failure',
      error: { code: 'SalesforceRecordLocked', retriable: true },
    });
    expect(deferrals.size).toBe(0);
    expect(directory.users.size).toBe(0);
  });

  it('retries a locked record of an urgent batch (a live change) in place: it is not given back', async () => {
    const deferrals = new Deferrals({ maxTimes: 2, capacity: 100, random: () => 0 });
    const { g, directory } = guard(deferrals);
    directory.failRecords(username(441), LOCKED, 1);
    const command = aCommand({ n: 441 });
    const [answer] = await g.run([command], { urgent: true });
    expect(answer?.result).toMatchObject({ status: 'success', linkedBy: 'created' });
    expect(deferrals.size).toBe(0);
    expect(directory.users.size).toBe(1);
  });

  it('forgets a command once answered, and the oldest when more are remembered than it holds', () => {
    const deferrals = new Deferrals({ maxTimes: 1, capacity: 2 });
    const [a, b, c] = [aCommand(), aCommand(), aCommand()] as [
      ProvisioningCommandV1,
      ProvisioningCommandV1,
      ProvisioningCommandV1,
    ];
    expect(deferrals.take(a)).toBe(true);
    expect(deferrals.take(a)).toBe(false);
    expect(deferrals.take(b)).toBe(true);
    expect(deferrals.take(c)).toBe(true);
    expect(deferrals.size).toBe(2);
    // a was the oldest: forgotten, so it may be given back again.
    expect(deferrals.take(a)).toBe(true);
    deferrals.forget(b);
    expect(deferrals.take(b)).toBe(true);
  });
});
