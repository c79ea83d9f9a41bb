import { TOPICS } from '@provision/events';
import { describe, expect, it } from 'vitest';
import { fixtures } from '../testing/fixtures.ts';
import { toItem } from './kafka-event-source.ts';

describe('toItem', () => {
  it('validates each message against its own topic schema', () => {
    expect(toItem(TOPICS.commands, fixtures.commandCreate(), 0)).toMatchObject({ item: { kind: 'command' } });
    expect(toItem(TOPICS.liveCommands, fixtures.commandCreate(), 0)).toMatchObject({ item: { kind: 'command' } });
    expect(toItem(TOPICS.results, fixtures.resultFailure(), 0)).toMatchObject({ item: { kind: 'result' } });
    // A result on the commands topic is poison there.
    expect(toItem(TOPICS.commands, fixtures.resultSuccess(), 0)).toMatchObject({
      invalid: expect.stringMatching(/fields: /),
    });
    expect(toItem(TOPICS.liveCommands, fixtures.resultSuccess(), 0)).toHaveProperty('invalid');
  });

  it('keeps sync markers with their partition and skips other directory facts', () => {
    expect(toItem(TOPICS.directory, fixtures.syncCompleted(), 4)).toEqual({
      item: { kind: 'sync-marker', marker: fixtures.syncCompleted(), partition: 4 },
    });
    const upserted = {
      eventId: 'e1',
      syncId: 's1',
      observedAt: '2026-11-26T11:00:00.000Z',
      type: 'user.upserted',
      userId: 'u1',
      attributes: {},
      complete: true,
    };
    expect(toItem(TOPICS.directory, upserted, 0)).toEqual({ skip: 'not a sync marker' });
    expect(toItem(TOPICS.directory, { type: 'nonsense' }, 0)).toHaveProperty('invalid');
  });
});
