import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { expect } from 'vitest';
import type { ProvisioningLogEntry } from '../src/domain/log-entry.ts';
import type { DeadLetterRecord } from '../src/domain/ports.ts';
import type { SyncStatus } from '../src/domain/sync-status.ts';
import { fixtures } from '../src/testing/fixtures.ts';
import { startHarness, TOPICS } from './harness.ts';

test('logs a command of the live lane like one of the bulk lane and counts it in the sync progress', async ({
  kafka,
  postgres,
}) => {
  const h = await startHarness({ kafka, postgres });
  try {
    await h.publish(TOPICS.directory, [fixtures.syncStarted()]);
    await h.publish(TOPICS.commands, [fixtures.commandCreate()]);
    await h.publish(TOPICS.liveCommands, [fixtures.commandDisable()]);
    await h.publish(TOPICS.results, [fixtures.resultSuccess()]);

    const live = await waitFor(
      async () => {
        const answer = await h.get<ProvisioningLogEntry>(
          `/api/provisioning-logs/${fixtures.commandDisable().commandId}`,
        );
        return answer.status === 200 ? answer.body : null;
      },
      { timeout: 20_000, message: 'the live command in the log' },
    );
    expect(live).toMatchObject({ action: 'disable', status: 'pending', changeId: fixtures.commandDisable().changeId });
    const status = await waitFor(async () => {
      const s = (await h.get<SyncStatus>('/api/sync-status')).body;
      return s.progress.resultsReceived === 1 ? s : null;
    });
    expect(status.progress).toMatchObject({ commandsIssued: 2, resultsReceived: 1, pending: 1 });
  } finally {
    await h.close();
  }
});

test('records the dead letters of the live lane with the live topic as their source', async ({ kafka, postgres }) => {
  const h = await startHarness({ kafka, postgres });
  try {
    const good = fixtures.commandCreate();
    await kafka.produceRaw(h.topic(TOPICS.liveCommands), [{ key: good.userId, value: '{not json' }]);
    await h.publish(TOPICS.liveCommands, [good]);

    const letter = await waitFor(
      async () => {
        const { items } = (await h.get<{ items: DeadLetterRecord[] }>('/api/dead-letters')).body;
        return items[0] ?? null;
      },
      { timeout: 20_000, message: 'the dead letter of the live topic' },
    );
    expect(letter).toMatchObject({
      sourceTopic: 'provisioning.commands.live.v1',
      topic: 'provisioning.commands.live.dlq.v1',
      key: good.userId,
      errorCode: 'PRV_EVENT_UNDECODABLE',
    });
    // The partition moved on: the valid command behind the poison was logged too.
    await waitFor(async () => (await h.get(`/api/provisioning-logs/${good.commandId}`)).status === 200);
  } finally {
    await h.close();
  }
});
