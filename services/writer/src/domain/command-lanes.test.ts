import { describe, expect, it } from 'vitest';
import { aCommand } from '../testing/commands.ts';
import { commandLanes } from './command-lanes.ts';
import type { CommandAnswer, CommandSource, ConsumedCommand } from './ports.ts';

type Handler = (deliveries: readonly ConsumedCommand[]) => Promise<CommandAnswer[]>;

class FakeLane implements CommandSource {
  handler: Handler | undefined;
  held: number | undefined;
  failStart = false;
  stopped = false;
  async start(handler: Handler) {
    if (this.failStart) throw new Error('broker unreachable');
    this.handler = handler;
    this.held = 0;
  }
  async stop() {
    this.stopped = true;
    this.handler = undefined;
  }
  ready() {
    return this.handler !== undefined;
  }
  inHand() {
    return this.held;
  }
}

describe('commandLanes', () => {
  it('hands both lanes’ commands to the one handler, is ready only while both are, and counts both hands', async () => {
    const bulk = new FakeLane();
    const live = new FakeLane();
    const source = commandLanes({ bulk, live });
    expect(source.ready()).toBe(false);
    expect(source.inHand?.()).toBeUndefined();

    const seen: ConsumedCommand[] = [];
    await source.start(async (deliveries) => {
      seen.push(...deliveries);
      return deliveries.map(() => ({ status: 'done' }));
    });
    expect(source.ready()).toBe(true);
    const [fromBulk, fromLive] = [{ command: aCommand() }, { command: aCommand(), live: true }];
    await bulk.handler?.([fromBulk]);
    await live.handler?.([fromLive]);
    expect(seen).toEqual([fromBulk, fromLive]);

    bulk.held = 4000;
    live.held = 3;
    expect(source.inHand?.()).toBe(4003);

    await live.stop();
    expect(source.ready()).toBe(false);
    await source.stop();
    expect(bulk.stopped).toBe(true);
  });

  it('stops the bulk lane when the live lane cannot start, and reports why', async () => {
    const bulk = new FakeLane();
    const live = new FakeLane();
    live.failStart = true;
    const source = commandLanes({ bulk, live });
    await expect(source.start(async () => [])).rejects.toThrow('broker unreachable');
    expect(bulk.stopped).toBe(true);
    expect(source.ready()).toBe(false);
  });
});
