import type { TokenVerifier } from '@provision/auth';
import { defaultMappingConfig } from '@provision/mapping';
import { createLogger, createMetrics } from '@provision/telemetry';
import type { MapperDeps } from '../app.ts';
import {
  InMemoryCommandSink,
  InMemoryDeactivationGuardStore,
  InMemoryFailureStore,
  InMemoryMappingStateStore,
  InMemoryPictureStore,
  ManualDirectoryFeed,
} from './fakes.ts';

/** A verifier that refuses every token (for tests that never sign in). */
export const refusingVerifier: TokenVerifier = {
  verify: async () => {
    throw new Error('no sign-in in this test');
  },
};

/**
 * The mapper's deps over in-memory fakes (the default mapping, the guard off, a silent logger);
 * `overrides` replaces any of them. The fakes are returned too, to drive and inspect.
 */
export function mapperDeps(overrides: Partial<MapperDeps> = {}) {
  const fakes = {
    feed: new ManualDirectoryFeed(),
    store: new InMemoryPictureStore(),
    failures: new InMemoryFailureStore(),
    sink: new InMemoryCommandSink(),
    guard: new InMemoryDeactivationGuardStore(),
    mappingState: new InMemoryMappingStateStore(),
  };
  let n = 0;
  const deps: MapperDeps = {
    ...fakes,
    guardPolicy: { threshold: 0, windowMs: 60_000 },
    mapping: defaultMappingConfig(),
    dryRun: false,
    logger: createLogger({ service: 'mapper', level: 'silent' }),
    metrics: createMetrics('mapper-test'),
    newId: () => `id-${++n}`,
    verifier: refusingVerifier,
    partitions: 2,
    ...overrides,
  };
  return { deps, fakes };
}
