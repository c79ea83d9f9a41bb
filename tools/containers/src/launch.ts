// How the production image starts each program: the same Node flags as the image's entrypoint
// (image/entrypoint.sh; a test keeps the two in step), on the bundles of `bundle.ts`.
import { join } from 'node:path';
import { bundlePath, PROGRAMS, type SERVICE_NAMES } from './bundle.ts';

export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * Node flags of a service in production: stack traces through the source maps, a small young
 * generation and a bounded old one (so V8 collects instead of growing past what the service
 * holds; the target is < 150 MB of RSS), and V8's `--optimize-for-size` (smaller heap growth steps,
 * memory given back sooner): at 20,000 users peaks ingestor 142 → 132 MB, mapper 160 → 144, writer
 * 183 → 154, audit 132 → 127, for a sync ~25% slower on the loaded 2-core machine. WebAssembly stays
 * on its baseline compiler (`--liftoff-only`): the only module is undici's HTTP parser, and optimizing
 * it cost 10–13 MB of RSS per copy, kept after. Salesforce and Graph no longer go through it
 * (@provision/http-dispatcher); what still may is a `fetch` of a dependency (jose's key set).
 */
export function serviceNodeFlags(maxOldSpaceMB = 96): string[] {
  return [
    '--enable-source-maps',
    '--max-semi-space-size=1',
    `--max-old-space-size=${maxOldSpaceMB}`,
    '--optimize-for-size',
    '--liftoff-only',
  ];
}

/**
 * The environment the image sets for every program (the Dockerfile's ENV; a test keeps them in
 * step). glibc's malloc: two arenas; a fixed mmap threshold (64 KiB) so a freed large buffer goes
 * back to the system instead of glibc raising the threshold and keeping such buffers in its heap,
 * and the heap's free top trimmed past 128 KiB: ~15 MB less RSS per service at 20,000 users.
 */
export const IMAGE_ENV = {
  NODE_ENV: 'production',
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '65536',
  MALLOC_TRIM_THRESHOLD_: '131072',
  KAFKAJS_NO_PARTITIONER_WARNING: '1',
} as const;

const program = (name: string) => {
  const found = PROGRAMS.find((p) => p.name === name);
  if (!found) throw new Error(`launch: no program named ${name}`);
  return found;
};

/** Node's arguments for a service, its bundles under `appDir` (the image's /app). */
export function serviceArgs(name: ServiceName, appDir: string, maxOldSpaceMB = 96): string[] {
  return [
    ...serviceNodeFlags(maxOldSpaceMB),
    '--import',
    join(appDir, bundlePath(program('preload'))),
    join(appDir, bundlePath(program(name))),
  ];
}
