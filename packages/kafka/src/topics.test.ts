import { describe, expect, it } from 'vitest';
import { dlqTopicFor, isDlqTopic } from './topics.ts';

describe('dlqTopicFor', () => {
  it('puts .dlq before the version of a versioned topic', () => {
    expect(dlqTopicFor('provisioning.commands.v1')).toBe('provisioning.commands.dlq.v1');
    expect(dlqTopicFor('entra.directory.v12')).toBe('entra.directory.dlq.v12');
  });

  it('appends .dlq to an unversioned topic', () => {
    expect(dlqTopicFor('legacy')).toBe('legacy.dlq');
  });

  it('recognises dead-letter topics so they are never dead-lettered again', () => {
    expect(isDlqTopic(dlqTopicFor('provisioning.results.v1'))).toBe(true);
    expect(isDlqTopic(dlqTopicFor('legacy'))).toBe(true);
    expect(isDlqTopic('provisioning.results.v1')).toBe(false);
  });
});
