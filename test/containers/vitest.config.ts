/**
 * Vitest for the container checks alone (scripts/container-test.sh runs them against the compose
 * stack it started; `npm test` never does: they need that stack). One file, its checks in order,
 * each with the time a container restart or a Redis crash takes.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/containers/stack-checks.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: ['verbose'],
  },
});
