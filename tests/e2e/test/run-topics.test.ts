import { deleteRunTopics } from '@provision/demo';
import { createKafkaFixture, type KafkaFixture, waitFor } from '@provision/testkit';
import { afterAll, describe, expect, it } from 'vitest';

// A stopped pipeline deletes its run's topics (`<runId>.…`), and no other run's: benchmarks,
// chaos runs and this suite left thousands of partitions on a long-lived broker.
describe('a run leaves no topics behind', () => {
  const fixtures: KafkaFixture[] = [];
  afterAll(async () => {
    for (const f of fixtures) await f.cleanup();
  });

  it("deletes every topic under the run's prefix and nothing else", async () => {
    const [run, other] = [await createKafkaFixture(), await createKafkaFixture()];
    fixtures.push(run, other);
    await run.createTopic({ name: 'provisioning.commands', partitions: 2 });
    await run.createTopic({ name: 'provisioning.commands.dlq' });
    await other.createTopic({ name: 'provisioning.commands' });

    expect(await deleteRunTopics(run.brokers, run.prefix)).toBe(2);
    await waitFor(async () => (await deleteRunTopics(run.brokers, run.prefix)) === 0, {
      message: "the run's topics gone",
      timeout: 15_000,
    });
    // The other run's topic is still there: deleting its prefix finds it.
    expect(await deleteRunTopics(other.brokers, other.prefix)).toBe(1);
  });
});
