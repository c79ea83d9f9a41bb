import { type ConnectionSettings, providedSettings, up } from '@provision/infra';
import { detectContainerRuntime } from './container-runtime.ts';

/** Where the servers a test talks to came from. */
export type InfrastructureSource = 'environment' | 'containers' | 'local';

/** The three connection settings and, per server, where it came from. */
export interface Infrastructure extends ConnectionSettings {
  sources: Readonly<Record<keyof ConnectionSettings, InfrastructureSource>>;
}

let resolved: Promise<Infrastructure> | undefined;

/**
 * Finds a Kafka, a Redis and a PostgreSQL for this test process, once: variables from the
 * environment (`KAFKA_BROKERS`, `REDIS_URL`, `DATABASE_URL`) first; for the rest, containers when
 * a container engine answers; else the local infrastructure (`tools/infra`), started if it is not
 * up (and left running, so the next run is fast; `./pnpmw infra down` stops it).
 */
export function infrastructure(): Promise<Infrastructure> {
  resolved ??= resolve().catch((error: unknown) => {
    resolved = undefined;
    throw error;
  });
  return resolved;
}

async function resolve(): Promise<Infrastructure> {
  const provided = providedSettings();
  const names = ['KAFKA_BROKERS', 'REDIS_URL', 'DATABASE_URL'] as const;
  const sources = {} as Record<keyof ConnectionSettings, InfrastructureSource>;
  for (const name of names) if (provided[name]) sources[name] = 'environment';
  const missing = names.filter((name) => !provided[name]);
  if (missing.length === 0) return { ...(provided as ConnectionSettings), sources };

  const runtime = await detectContainerRuntime();
  if (runtime) {
    const { startContainers } = await import('./containers.ts');
    const containers = await startContainers(
      {
        kafka: missing.includes('KAFKA_BROKERS'),
        redis: missing.includes('REDIS_URL'),
        postgres: missing.includes('DATABASE_URL'),
      },
      runtime,
    );
    process.once('beforeExit', () => void containers.stop());
    for (const name of missing) sources[name] = 'containers';
    const { stop: _stop, ...settings } = containers;
    return { ...(provided as ConnectionSettings), ...settings, sources } as Infrastructure;
  }

  // `up` checks the provided servers answer and starts only the missing local ones.
  const settings = await up({ log: (line) => process.stderr.write(`${line}\n`) });
  for (const name of missing) sources[name] = 'local';
  return { ...settings, sources };
}
