import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type OtlpReceiver, startOtlpReceiver, waitFor } from '@provision/testkit';
import { afterEach, expect, test } from 'vitest';

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
});

test('a service stopped by SIGTERM exports its buffered spans, its stop included, before it exits', async () => {
  receiver = await startOtlpReceiver();
  const child = spawn(
    process.execPath,
    [
      '--import',
      join(import.meta.dirname, '../src/preload.ts'),
      join(import.meta.dirname, 'processes/traced-service.ts'),
    ],
    {
      env: {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'traced-service',
        // Nothing is exported on the processor's own schedule during the test.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  await waitFor(() => out.includes('ready'), { timeout: 20_000, message: 'the traced service started' });
  expect(receiver.spans).toEqual([]);

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(receiver.spans.map((s) => [s.service, s.name]).sort()).toEqual([
    ['traced-service', 'stopping'],
    ['traced-service', 'work before the signal'],
  ]);
});
