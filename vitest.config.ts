import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * The unit layer: pure functions, fakes, Fastify inject, nock. No globalSetup, so it needs no
 * redis-server (`npm run test:unit`). test/unit/unit-layer.test.ts keeps it that way.
 */
export const unitProject = {
  extends: true,
  test: {
    name: 'unit',
    include: ['test/unit/**/*.test.ts', 'packages/heat-simulator/test/**/*.test.ts'],
  },
} satisfies TestProjectInlineConfiguration;

/** Integration and end-to-end tests: one throwaway Redis for the run (test/global-setup.ts). */
export const redisProject = {
  extends: true,
  test: {
    name: 'integration',
    include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
  },
} satisfies TestProjectInlineConfiguration;

/**
 * The fault suite (test/faults/): minutes long, so not part of `npm test`; it runs alone through
 * vitest.faults.config.ts (`npm run test:faults`, and in CI after `npm test`).
 */
export const faultsProject = {
  extends: true,
  test: {
    name: 'faults',
    include: ['test/faults/**/*.test.ts'],
  },
} satisfies TestProjectInlineConfiguration;

export default defineConfig({
  test: {
    projects: [unitProject, redisProject],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share one throwaway Redis; each test uses its own key prefix.
    fileParallelism: true,
    pool: 'forks',
  },
});
