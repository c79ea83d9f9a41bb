import { defineConfig } from 'vitest/config';

// One runner for the whole workspace. Unit tests sit beside the code and run in parallel;
// integration and e2e tests talk to real Kafka, Redis, PostgreSQL and the simulators, so they
// run one file at a time on this 2-core machine.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'services/*/src/**/*.test.ts',
            'tools/*/src/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The hostile-input suite (tests/security): generated requests against the running services
        // and poison Kafka messages. One pipeline per file, one file at a time.
        test: {
          name: 'security',
          include: ['tests/security/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          // After the other projects: it loads the machine, and its timings mean something alone.
          sequence: { groupOrder: 1 },
          testTimeout: 600_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
