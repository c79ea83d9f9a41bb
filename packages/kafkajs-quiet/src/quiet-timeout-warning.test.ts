import { afterEach, describe, expect, it } from 'vitest';
import { quietKafkajsTimeoutWarning } from './quiet-timeout-warning.ts';

describe('quietKafkajsTimeoutWarning', () => {
  const seen: string[] = [];
  const onWarning = (warning: Error) => seen.push(warning.name);
  afterEach(() => {
    process.off('warning', onWarning);
    seen.length = 0;
  });

  it('wraps process.emitWarning once however often it is called, and lets warnings from elsewhere pass', async () => {
    quietKafkajsTimeoutWarning();
    const wrapped = process.emitWarning;
    quietKafkajsTimeoutWarning();
    expect(process.emitWarning).toBe(wrapped);

    process.on('warning', onWarning);
    process.emitWarning('not from kafkajs', 'TimeoutNegativeWarning');
    process.emitWarning('another', { type: 'SomeOtherWarning' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['TimeoutNegativeWarning', 'SomeOtherWarning']);
  });
});
