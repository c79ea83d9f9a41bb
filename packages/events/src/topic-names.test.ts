import { describe, expect, it } from 'vitest';
import { deadLetterTopic, isDeadLetterTopic, retryTopic, sourceTopicOf } from './topic-names.ts';

describe('deadLetterTopic', () => {
  it('puts .dlq before the version of a versioned topic, after any prefix', () => {
    expect(deadLetterTopic('provisioning.commands.v1')).toBe('provisioning.commands.dlq.v1');
    expect(deadLetterTopic('entra.directory.v12')).toBe('entra.directory.dlq.v12');
    expect(deadLetterTopic('test-1.provisioning.results.v1')).toBe('test-1.provisioning.results.dlq.v1');
  });

  it('appends .dlq to an unversioned topic', () => {
    expect(deadLetterTopic('legacy')).toBe('legacy.dlq');
  });

  it('recognises dead-letter topics so they are never dead-lettered again', () => {
    expect(isDeadLetterTopic(deadLetterTopic('provisioning.results.v1'))).toBe(true);
    expect(isDeadLetterTopic(deadLetterTopic('legacy'))).toBe(true);
    expect(isDeadLetterTopic('provisioning.results.v1')).toBe(false);
  });

  it('is undone by sourceTopicOf', () => {
    for (const topic of ['provisioning.commands.v1', 'p.entra.directory.v3', 'legacy'])
      expect(sourceTopicOf(deadLetterTopic(topic))).toBe(topic);
  });
});

describe('retryTopic', () => {
  it('puts .retry before the version', () => {
    expect(retryTopic('provisioning.commands.v1')).toBe('provisioning.commands.retry.v1');
  });
});
