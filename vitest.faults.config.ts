import { defineConfig } from 'vitest/config';
import { faultsProject } from './vitest.config.js';

/** `npm run test:faults`: the fault suite alone (test/faults/, docs/testing.md "The fault suite"). */
export default defineConfig({
  test: {
    projects: [faultsProject],
    // One long test; its own waits are bounded well inside this.
    testTimeout: 900_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
