import type { ProvisioningResultV1 } from '@provision/events';
import { describe, expect, it } from 'vitest';
import { buildService } from './app.ts';
import { SalesforceCallError } from './domain/errors.ts';
import type { CommandSource, ResultSink } from './domain/ports.ts';
import { aCommand } from './testing/commands.ts';
import { InMemorySalesforceDirectory } from './testing/in-memory-directory.ts';
import {
  CountingBudget,
  InMemoryAnsweredCommands,
  InMemoryJobControl,
  InMemoryLinkStore,
  InMemoryQuarantineStore,
  VirtualClock,
} from './testing/in-memory-stores.ts';

class FakeSource implements CommandSource {
  started = false;
  async start() {
    this.started = true;
  }
  async stop() {
    this.started = false;
  }
  ready() {
    return this.started;
  }
}

class FakeSink implements ResultSink {
  readonly published: { result: ProvisioningResultV1; traceparent?: string | undefined }[] = [];
  async publish(results: readonly { result: ProvisioningResultV1; traceparent?: string | undefined }[]) {
    this.published.push(...results);
  }
}

const silent = { info: () => {}, warn: () => {}, error: () => {} };

/** The directory, each of its calls taking `ms` longer (a Salesforce that is not instant). */
function slowed(directory: InMemorySalesforceDirectory, ms: number): InMemorySalesforceDirectory {
  return new Proxy(directory, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function setup(
  options: {
    control?: InMemoryJobControl;
    store?: InMemoryQuarantineStore;
    directory?: InMemorySalesforceDirectory;
    answered?: InMemoryAnsweredCommands;
    links?: InMemoryLinkStore;
    maxBatch?: number;
  } = {},
) {
  const directory = options.directory ?? new InMemorySalesforceDirectory();
  const sink = new FakeSink();
  const store = options.store ?? new InMemoryQuarantineStore();
  const clock = new VirtualClock();
  const service = buildService({
    ...(options.control ? { control: options.control } : {}),
    source: new FakeSource(),
    sink,
    directory,
    links: options.links ?? new InMemoryLinkStore(),
    ...(options.answered ? { answered: options.answered } : {}),
    budget: new CountingBudget(),
    quarantineStore: store,
    clock,
    logger: silent,
    settings: {
      dryRun: false,
      maxBatch: options.maxBatch ?? 1000,
      lingerMs: 5,
      valuesPerQuery: 500,
      quarantine: {
        threshold: 2,
        baseDelayMs: 60_000,
        maxDelayMs: 3_600_000,
        retryDelayMs: 1_000,
        controlPollMs: 5_000,
      },
    },
  });
  return { directory, sink, store, clock, service };
}

const limitExceeded = () =>
  new SalesforceCallError(
    {
      code: 'SalesforceRequestLimitExceeded',
      salesforceCode: 'REQUEST_LIMIT_EXCEEDED',
      message: 'TotalRequests Limit exceeded.',
      fields: [],
      retriable: false,
    },
    { status: 403 },
  );

describe('writer service', () => {
  it('merges the batches of several partitions into one flush and publishes one result per command with its trace', async () => {
    const { directory, sink, service } = setup();
    const a = [aCommand(), aCommand()].map((command) => ({
      command,
      traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
    }));
    const b = [aCommand()].map((command) => ({ command }));
    const [answersA, answersB] = await Promise.all([service.handle(a), service.handle(b)]);
    expect([...answersA, ...answersB]).toEqual([{ status: 'done' }, { status: 'done' }, { status: 'done' }]);
    expect(directory.calls.map((c) => [c.operation, c.size])).toEqual([
      ['query', 3],
      ['create', 3],
    ]);
    expect(sink.published.map((p) => p.result.commandId).sort()).toEqual(
      [...a, ...b].map((d) => d.command.commandId).sort(),
    );
    expect(sink.published[0]?.traceparent).toMatch(/^00-a{32}/);
  });

  it('writes a command of the live lane ahead of a backlog already waiting for a flush', async () => {
    // Three flushes of two for the backlog, one at a time, against a Salesforce that takes 40 ms a
    // call: the live command is written in a flush of its own beside the first.
    const lone = async (lane: { live?: boolean }) => {
      const { sink, service } = setup({ maxBatch: 2, directory: slowed(new InMemorySalesforceDirectory(), 40) });
      const backlog = Array.from({ length: 6 }, () => ({ command: aCommand() }));
      const delivery = { command: aCommand(), ...lane };
      await Promise.all([service.handle(backlog), service.handle([delivery])]);
      return sink.published.findIndex((p) => p.result.commandId === delivery.command.commandId);
    };
    expect(await lone({ live: true })).toBeLessThanOrEqual(2);
    // The same command from the bulk lane waits behind the backlog.
    expect(await lone({})).toBe(6);
  });

  it('republishes the same result for a redelivered command without writing again', async () => {
    const { directory, sink, service } = setup();
    const delivery = { command: aCommand() };
    await service.handle([delivery]);
    await service.handle([delivery]);
    expect(directory.count('create')).toBe(1);
    expect(directory.calls).toHaveLength(2);
    expect(sink.published.map((p) => p.result)).toEqual([sink.published[0]?.result, sink.published[0]?.result]);
  });

  it('remembers the results of the last two flushes only: an older redelivered command is written again', async () => {
    const { directory, sink, service } = setup({ maxBatch: 2 });
    const deliveries = Array.from({ length: 5 }, () => ({ command: aCommand() }));
    for (const d of deliveries) await service.handle([d]);
    const calls = directory.calls.length;
    await service.handle([deliveries[4]!]);
    expect(directory.calls).toHaveLength(calls);
    expect(sink.published.at(-1)?.result).toEqual(sink.published[4]?.result);
    await service.handle([deliveries[0]!]);
    expect(directory.calls.length).toBeGreaterThan(calls);
  });

  it('answers a command another writer answered but did not commit, without carrying it out again', async () => {
    // Writer A creates the user, publishes the result and dies before committing; writer B
    // meanwhile carried out the user's later change from the live lane. The create comes to B again.
    const directory = new InMemorySalesforceDirectory();
    const answered = new InMemoryAnsweredCommands();
    const links = new InMemoryLinkStore();
    const a = setup({ directory, answered, links });
    const b = setup({ directory, answered, links });
    const create = { command: aCommand({ n: 900 }) };
    await a.service.handle([create]);
    const later = aCommand({
      n: 900,
      action: 'update',
      fields: { LastName: 'Wilber' },
      modifiedProperties: [{ name: 'LastName', oldValue: 'Number900', newValue: 'Wilber' }],
    });
    expect(await b.service.handle([{ command: later, live: true }])).toEqual([{ status: 'done' }]);
    const calls = directory.calls.length;
    expect(await b.service.handle([create])).toEqual([{ status: 'done' }]);
    expect(directory.calls).toHaveLength(calls);
    expect([...directory.users.values()].map((u) => u['LastName'])).toEqual(['Wilber']);
    // Its result went out once, from A.
    expect(b.sink.published.map((p) => p.result.commandId)).toEqual([later.commandId]);
    expect(a.sink.published.map((p) => p.result.commandId)).toEqual([create.command.commandId]);
  });

  it('carries a redelivered command out again when no writer recorded its answer', async () => {
    const directory = new InMemorySalesforceDirectory();
    const create = { command: aCommand() };
    await setup({ directory }).service.handle([create]);
    const calls = directory.calls.length;
    await setup({ directory }).service.handle([create]);
    expect(directory.calls.length).toBeGreaterThan(calls);
  });

  it('republishes the very results of a batch whose publishing failed, without a second write', async () => {
    const { directory, sink, service } = setup();
    const delivery = { command: aCommand() };
    const publish = sink.publish.bind(sink);
    let failures = 1;
    sink.publish = async (results) => {
      if (failures-- > 0) throw new Error('Kafka unavailable');
      return publish(results);
    };
    await expect(service.handle([delivery])).rejects.toThrow('Kafka unavailable');
    expect(await service.handle([delivery])).toEqual([{ status: 'done' }]);
    expect(directory.count('create')).toBe(1);
    expect(sink.published.map((p) => [p.result.linkedBy, p.result.modifiedProperties.length > 0])).toEqual([
      ['created', true],
    ]);
  });

  it('quarantines after repeated job-level refusals, pauses without calling Salesforce, and lifts on the first success', async () => {
    const { directory, sink, store, clock, service } = setup();
    const delivery = { command: aCommand() };
    directory.failNextCall('query', limitExceeded());
    directory.failNextCall('query', limitExceeded());

    expect(await service.handle([delivery])).toEqual([{ status: 'retry', delayMs: 1_000, reason: expect.any(String) }]);
    expect(store.state).toBeNull();

    expect(await service.handle([delivery])).toEqual([
      { status: 'retry', delayMs: 60_000, reason: expect.any(String) },
    ]);
    expect(store.state).toMatchObject({
      code: 'SalesforceRequestLimitExceeded',
      consecutiveFailures: 2,
      since: new Date(clock.now()).toISOString(),
    });
    expect(service.quarantine()).not.toBeNull();

    const calls = directory.calls.length;
    clock.time += 59_000;
    expect(await service.handle([delivery])).toEqual([{ status: 'retry', delayMs: 1_000, reason: expect.any(String) }]);
    expect(directory.calls.length).toBe(calls);
    expect(sink.published).toEqual([]);

    clock.time += 1_000;
    expect(await service.handle([delivery])).toEqual([{ status: 'done' }]);
    expect(store.state).toBeNull();
    expect(service.quarantine()).toBeNull();
    expect(sink.published.map((p) => p.result.status)).toEqual(['success']);
  });
  it('while paused makes no Salesforce call and publishes nothing, keeps the commands uncommitted, and writes them all on resume', async () => {
    const control = new InMemoryJobControl();
    const { directory, sink, service } = setup({ control });
    control.pause('Salesforce maintenance window');
    const deliveries = [aCommand(), aCommand(), aCommand()].map((command) => ({ command }));

    for (let i = 0; i < 3; i++) {
      expect(await service.handle(deliveries)).toEqual(
        deliveries.map(() => ({ status: 'retry', delayMs: 5_000, reason: expect.stringContaining('paused') })),
      );
    }
    expect(directory.calls).toEqual([]);
    expect(sink.published).toEqual([]);
    expect(service.paused()).toBe(true);

    control.resume();
    expect(await service.handle(deliveries)).toEqual(deliveries.map(() => ({ status: 'done' })));
    expect(service.paused()).toBe(false);
    expect(directory.calls.map((c) => [c.operation, c.size])).toEqual([
      ['query', 3],
      ['create', 3],
    ]);
    expect(sink.published.map((p) => p.result.commandId).sort()).toEqual(
      deliveries.map((d) => d.command.commandId).sort(),
    );
  });

  it('holds a quarantined batch at most the control poll, so a clear is seen soon', async () => {
    const control = new InMemoryJobControl();
    const { directory, service } = setup({ control });
    directory.failNextCall('query', limitExceeded());
    directory.failNextCall('query', limitExceeded());
    const delivery = { command: aCommand() };
    await service.handle([delivery]);
    // Quarantined for 60 s, but the batch comes back every 5 s to look at the admins' decisions.
    expect(await service.handle([delivery])).toEqual([{ status: 'retry', delayMs: 5_000, reason: expect.any(String) }]);
    expect(service.quarantine()).not.toBeNull();
  });

  it('a cleared quarantine makes every replica drop its own and probe Salesforce with its next batch, even after another replica quarantined again', async () => {
    const control = new InMemoryJobControl();
    const store = new InMemoryQuarantineStore();
    const directory = new InMemorySalesforceDirectory();
    const replicas = [setup({ control, store, directory }), setup({ control, store, directory })];
    for (const r of replicas) {
      await r.service.handle([{ command: aCommand() }]);
      for (let i = 0; i < 2; i++) directory.failNextCall('query', limitExceeded());
      await r.service.handle([{ command: aCommand() }]);
      await r.service.handle([{ command: aCommand() }]);
      expect(r.service.quarantine()).not.toBeNull();
    }
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    // The wait has 55 s to go: without a clear, neither calls Salesforce.
    const before = directory.calls.length;
    expect((await a.service.handle([{ command: aCommand() }]))[0]?.status).toBe('retry');
    expect(directory.calls.length).toBe(before);

    control.clearQuarantine();
    store.state = null;
    // Replica A probes, still refused, and quarantines afresh (after the threshold) — B must not
    // read that as its own quarantine still holding.
    directory.failNextCall('query', limitExceeded());
    expect((await a.service.handle([{ command: aCommand() }]))[0]).toMatchObject({ status: 'retry', delayMs: 1_000 });
    expect(directory.calls.length).toBe(before + 1);
    expect(await b.service.handle([{ command: aCommand() }])).toEqual([{ status: 'done' }]);
    expect(b.service.quarantine()).toBeNull();
    expect(directory.calls.length).toBeGreaterThan(before + 1);
  });
});
