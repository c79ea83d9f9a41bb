import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  childTraceparent,
  cloudEventHeaders,
  deadLetterTopic,
  keyOf,
  keyProblem,
  parseTraceparent,
  retryTopic,
  TOPIC_SCHEMAS,
  TOPICS,
  type TopicName,
  topicJsonSchema,
} from './index.ts';

const fixturesDir = new URL('../fixtures/', import.meta.url);
const fixtures = readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({
    file,
    ...(JSON.parse(readFileSync(new URL(file, fixturesDir), 'utf8')) as {
      topic: TopicName;
      key: string;
      value: unknown;
    }),
  }));

describe('golden fixtures', () => {
  it('exist for every event type of every topic', () => {
    const types = new Set(
      fixtures.map((f) => `${f.topic}:${(f.value as { type?: string; action?: string; status?: string }).type ?? ''}`),
    );
    for (const t of [
      'user.upserted',
      'user.removed',
      'membership.changed',
      'assignment.changed',
      'sync.started',
      'sync.completed',
    ]) {
      expect(types).toContain(`${TOPICS.directory}:${t}`);
    }
    expect(fixtures.some((f) => f.topic === TOPICS.commands)).toBe(true);
    expect(fixtures.some((f) => f.topic === TOPICS.results)).toBe(true);
    for (const t of ['joiner', 'mover', 'leaver', 'provisioned', 'deprovisioned']) {
      expect(types).toContain(`${TOPICS.lifecycle}:${t}`);
    }
  });

  it.each(fixtures)(
    '$file keeps parsing with its topic schema and is keyed by the user it is about',
    ({ topic, key, value }) => {
      const parsed = TOPIC_SCHEMAS[topic].schema.parse(value);
      expect(keyOf(parsed as Parameters<typeof keyOf>[0])).toBe(key);
      expect(keyProblem(parsed, key)).toBeUndefined();
    },
  );
});

describe('keyProblem', () => {
  it('names a key that is not the user the event is about, and accepts each copy of a sync marker', () => {
    expect(keyProblem({ userId: 'u1' }, 'u2')).toBe('message key "u2" is not the userId "u1" the event is about');
    expect(keyProblem({ syncId: 's1', type: 'sync.started' }, 'sync:s1:4')).toBeUndefined();
    expect(keyProblem({ syncId: 's1', type: 'sync.started' }, 'sync:s1')).toBeUndefined();
    expect(keyProblem({ syncId: 's1', type: 'sync.started' }, 'u1')).toBe(
      'message key "u1" is not the sync marker key "sync:s1[:n]"',
    );
  });
});

describe('schemas', () => {
  it('reject an event with a missing field, naming the path', () => {
    const result = TOPIC_SCHEMAS[TOPICS.directory].schema.safeParse({
      type: 'user.removed',
      eventId: 'e',
      syncId: 's',
      observedAt: '2026-11-26T11:00:00Z',
      userId: 'u',
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('removal');
  });

  it('reject an unknown event type', () => {
    expect(TOPIC_SCHEMAS[TOPICS.directory].schema.safeParse({ type: 'user.exploded' }).success).toBe(false);
  });

  it('fill defaults for optional command fields', () => {
    const fixture = fixtures.find((f) => f.file === 'command-create.v1.json')!;
    const { dryRun: _d, origin: _o, ...rest } = fixture.value as Record<string, unknown>;
    const parsed = TOPIC_SCHEMAS[TOPICS.commands].schema.parse(rest);
    expect(parsed).toMatchObject({ dryRun: false, origin: 'sync' });
  });

  it.each(Object.values(TOPICS))(
    'committed JSON Schema of %s matches the zod schema (run `pnpm --filter @provision/events schemas`)',
    (topic) => {
      const committed = JSON.parse(readFileSync(new URL(`../schemas/${topic}.json`, import.meta.url), 'utf8'));
      expect(committed).toEqual(JSON.parse(JSON.stringify(topicJsonSchema(topic))));
    },
  );
});

describe('topics', () => {
  it('derive retry and dead-letter topics by version', () => {
    expect(retryTopic(TOPICS.commands)).toBe('provisioning.commands.retry.v1');
    expect(deadLetterTopic(TOPICS.directory)).toBe('entra.directory.dlq.v1');
  });
});

describe('CloudEvents headers and trace context', () => {
  it('carry the binary-mode attributes and traceparent', () => {
    const h = cloudEventHeaders(
      { id: 'i', type: 't', source: '/provision/mapper', time: '2026-11-26T11:00:00Z' },
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    );
    expect(h).toMatchObject({
      ce_specversion: '1.0',
      ce_id: 'i',
      ce_type: 't',
      ce_source: '/provision/mapper',
      'content-type': 'application/json',
    });
  });

  it('continue a trace with a new span, or start one', () => {
    const hex = (n: number) => 'ab'.repeat(n);
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(childTraceparent(parent, hex)).toBe('00-0af7651916cd43dd8448eb211c80319c-abababababababab-01');
    expect(parseTraceparent(childTraceparent(undefined, hex))?.traceId).toBe('ab'.repeat(16));
    expect(parseTraceparent('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBeUndefined();
    expect(parseTraceparent('garbage')).toBeUndefined();
  });
});
