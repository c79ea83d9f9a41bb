import { readdirSync, readFileSync } from 'node:fs';
import { TOPICS, type TopicName } from '@provision/events';
import { describe, expect, it } from 'vitest';
import { InvalidEvent, parseEvent } from './parse.ts';

// The golden fixtures of packages/events: what producers have published, version by version.
const fixturesDir = new URL('../../events/fixtures/', import.meta.url);
const fixtures = readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({
    file,
    ...(JSON.parse(readFileSync(new URL(file, fixturesDir), 'utf8')) as { topic: TopicName; value: unknown }),
  }));

// Open maps (z.record: desired Salesforce fields, Graph attributes, counts) hold data, not schema:
// a key added there is a value the subscriber reads, so they are left as they are.
const RECORDS = new Set(['fields', 'createFields', 'attributes', 'counts']);

/** The value with fields a later producer might add: at the top, and inside every nested object. */
function withAddedFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withAddedFields);
  if (typeof value !== 'object' || value === null) return value;
  return {
    ...Object.fromEntries(Object.entries(value).map(([k, v]) => [k, RECORDS.has(k) ? v : withAddedFields(v)])),
    addedInALaterVersion: { nested: true, list: [1, 2] },
  };
}

describe('a v1 subscriber', () => {
  it('has fixtures of every topic to hold itself to', () => {
    expect(new Set(fixtures.map((f) => f.topic))).toEqual(new Set(Object.values(TOPICS)));
  });

  it.each(fixtures)('keeps parsing $file', ({ topic, value }) => {
    expect(() => parseEvent(topic, value)).not.toThrow();
  });

  it.each(fixtures)('ignores fields added to $file, at any depth, and reads the rest the same', ({ topic, value }) => {
    const parsed = parseEvent(topic, withAddedFields(value));
    expect(JSON.stringify(parsed)).not.toContain('addedInALaterVersion');
    expect(parsed).toEqual(parseEvent(topic, value));
  });

  it('reads an older lifecycle event without the fields a later v1 adds, and a new optional one', () => {
    const joiner = fixtures.find((f) => f.file === 'lifecycle-joiner.v1.json')!.value as Record<string, unknown>;
    const later = { ...joiner, department: 'Retail', manager: { id: 'x' } };
    const event = parseEvent(TOPICS.lifecycle, later);
    expect(event).toEqual(parseEvent(TOPICS.lifecycle, joiner));
    expect(event).not.toHaveProperty('department');
  });

  it('refuses an event that breaks v1, naming the topic and each path', () => {
    const joiner = fixtures.find((f) => f.file === 'lifecycle-joiner.v1.json')!.value as Record<string, unknown>;
    const { salesforceId: _, ...missing } = joiner;
    const error = (() => {
      try {
        parseEvent(TOPICS.lifecycle, { ...missing, type: 'rehired' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidEvent);
    expect((error as InvalidEvent).message).toContain('provisioning.lifecycle.v1');
    expect((error as InvalidEvent).problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['type', 'salesforceId']),
    );
  });
});
