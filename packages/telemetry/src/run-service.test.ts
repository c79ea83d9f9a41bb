import { PassThrough } from 'node:stream';
import { loadConfig } from '@provision/config';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ComposedService, type ProcessHooks, runService } from './run-service.ts';

class Exit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

function hooks() {
  const events: string[] = [];
  const stdout = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stdout.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  let stderr = '';
  let close: (() => Promise<void>) | undefined;
  const h: ProcessHooks = {
    exit: (code) => {
      throw new Exit(code);
    },
    stderr: { write: (text: string) => (stderr += text) },
    stdout,
    onShutdown: (_logger, c) => {
      events.push('shutdown registered');
      close = c;
    },
  };
  return { hooks: h, events, lines, stderr: () => stderr, shutdown: () => close?.() };
}

function fakeService(events: string[], options: { failStart?: boolean } = {}): ComposedService {
  const http = Fastify();
  http.addHook('onReady', async () => {
    events.push('listening');
  });
  return {
    service: {
      http,
      start: async () => {
        events.push('start');
        if (options.failStart) throw new Error('Kafka is down');
      },
      stop: async () => {
        events.push('stop');
      },
      ready: () => true,
    },
    close: async () => {
      events.push('close adapters');
    },
  };
}

describe('runService', () => {
  it('reports a bad configuration in its one message and exits 1, building nothing', async () => {
    const h = hooks();
    let built = false;
    const run = runService(
      {
        name: 'test',
        readConfig: () => {
          throw new Error('Invalid configuration, 1 problem:\n  - KAFKA_BROKERS: required');
        },
        createService: async () => {
          built = true;
          return fakeService(h.events);
        },
      },
      h.hooks,
    );
    await expect(run).rejects.toMatchObject({ code: 1 });
    expect(h.stderr()).toBe('Invalid configuration, 1 problem:\n  - KAFKA_BROKERS: required\n');
    expect(built).toBe(false);
  });

  it('reports a failure to build the service (an invalid mapping file) in one message and exits 1', async () => {
    const h = hooks();
    const run = runService(
      {
        name: 'test',
        readConfig: () => ({ HTTP_PORT: 0 }),
        createService: async () => {
          throw new Error('Invalid mapping file m.yaml');
        },
      },
      h.hooks,
    );
    await expect(run).rejects.toMatchObject({ code: 1 });
    expect(h.stderr()).toBe('Invalid mapping file m.yaml\n');
    expect(h.events).toEqual([]);
  });

  it('registers the shutdown before listening, logs the actual port, then starts; the shutdown stops, closes the server, then the adapters', async () => {
    const h = hooks();
    const composed = fakeService(h.events);
    await runService(
      { name: 'test', readConfig: () => ({ HTTP_PORT: 0, LOG_LEVEL: 'info' }), createService: async () => composed },
      h.hooks,
    );
    expect(h.events).toEqual(['shutdown registered', 'listening', 'start']);
    const address = composed.service.http.server.address();
    const port = typeof address === 'object' && address ? address.port : -1;
    expect(port).toBeGreaterThan(0);
    const started = h.lines.find((l) => l.msg === 'started');
    expect(started).toMatchObject({ msg: 'started', port, service: 'test' });
    await h.shutdown();
    expect(h.events.slice(3)).toEqual(['stop', 'close adapters']);
    expect(composed.service.http.server.listening).toBe(false);
  });

  it('logs a failed start as fatal and exits 1', async () => {
    const h = hooks();
    const composed = fakeService(h.events, { failStart: true });
    const run = runService(
      { name: 'test', readConfig: () => ({ HTTP_PORT: 0 }), createService: async () => composed },
      h.hooks,
    );
    await expect(run).rejects.toMatchObject({ code: 1 });
    expect(h.lines.find((l) => l.msg === 'could not start')).toMatchObject({ level: 'fatal' });
    await composed.service.http.close();
  });

  it('keeps the secrets the configuration declares out of the log', async () => {
    const h = hooks();
    const composed = fakeService(h.events);
    const schema = z.object({ HTTP_PORT: z.coerce.number(), SMTP_URL: z.string() });
    await runService(
      {
        name: 'test',
        readConfig: () =>
          loadConfig({ schema, secrets: ['SMTP_URL'] }, { HTTP_PORT: '0', SMTP_URL: 'smtp://user:pw@mail' }),
        createService: async (config, { logger }) => {
          logger.info({ config }, 'configured');
          return composed;
        },
      },
      h.hooks,
    );
    expect(h.lines.find((l) => l.msg === 'configured')).toMatchObject({ config: { SMTP_URL: '[redacted]' } });
    await h.shutdown();
  });
});
