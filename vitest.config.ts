import { defineConfig } from 'vitest/config';

/**
 * Fault injection (issue 9): stops Redis, PostgreSQL and server processes, so it runs alone, one
 * file at a time, through `npm run test:faults` (which sets CUSPID_FAULTS=1), never inside `npm test`.
 */
const faults = {
  test: {
    name: 'faults',
    include: ['tests/faults/**/*.faults.test.ts'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    pool: 'forks' as const,
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit-integration',
          include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
          globalSetup: ['tests/helpers/global-setup.ts'],
          pool: 'forks',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.e2e.test.ts'],
          globalSetup: ['tests/helpers/global-setup.ts', 'tests/e2e/build-client.ts'],
          pool: 'forks',
          // Browsers and server processes are heavy on two cores: one e2e file at a time.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      ...(process.env.CUSPID_FAULTS === '1' ? [faults] : []),
    ],
  },
});
