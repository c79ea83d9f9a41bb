import { afterEach, expect, test, vi } from 'vitest';
import { quietKafkajsTimeoutWarning } from './quiet-timeout-warning.ts';

// A function whose frames carry kafkajs's request-queue file name, as kafkajs's own do.
const fromRequestQueue = new Function(
  'emit',
  'emit(); //# sourceURL=/app/node_modules/kafkajs/src/network/requestQueue/index.js',
) as (emit: () => void) => void;

const previous = Error.prepareStackTrace;
afterEach(() => {
  Error.prepareStackTrace = previous;
  vi.restoreAllMocks();
});

test("kafkajs's negative-timeout warning is dropped without formatting a stack; others pass, and the formatter is left as it was", async () => {
  const formatter = vi.fn((error: Error) => `${error.name}: ${error.message}`);
  Error.prepareStackTrace = formatter;
  const seen: string[] = [];
  process.on('warning', (w) => seen.push(`${w.name}: ${w.message}`));
  quietKafkajsTimeoutWarning();

  fromRequestQueue(() => process.emitWarning('-1 is a negative number', 'TimeoutNegativeWarning'));
  process.emitWarning('-5 is a negative number', 'TimeoutNegativeWarning');

  expect(formatter).not.toHaveBeenCalled();
  expect(Error.prepareStackTrace).toBe(formatter);
  await new Promise((resolve) => setImmediate(resolve));
  expect(seen).toEqual(['TimeoutNegativeWarning: -5 is a negative number']);
});
