import type { CommandSource } from './ports.ts';

/**
 * One source over the writer's two lanes, each a consumer of its own with a hand of its own (so a
 * full bulk hand never holds up a live command): both hand their commands to the same handler,
 * the writer is ready only while both are, and its commands in hand are theirs together.
 */
export function commandLanes(lanes: { readonly bulk: CommandSource; readonly live: CommandSource }): CommandSource {
  const sources = [lanes.bulk, lanes.live];
  return {
    async start(handler) {
      await lanes.bulk.start(handler);
      // A lane that cannot start leaves none running behind it.
      await lanes.live.start(handler).catch(async (error: unknown) => {
        await lanes.bulk.stop().catch(() => {});
        throw error;
      });
    },
    async stop() {
      // Both stopped (their hands answered and committed) before a failure of either is reported.
      const stopped = await Promise.allSettled(sources.map((s) => s.stop()));
      const failed = stopped.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
    },
    ready: () => sources.every((s) => s.ready()),
    inHand: () => {
      const counts = sources.map((s) => s.inHand?.());
      return counts.every((n) => n === undefined) ? undefined : counts.reduce<number>((sum, n) => sum + (n ?? 0), 0);
    },
  };
}
