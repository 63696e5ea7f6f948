/**
 * Vitest (the runner the design names) for `npm test` (scripts/test.ts, which also starts a
 * private Redis when none answers). Tests use real Redis, HTTP and Chromium, so:
 * - forks, a fresh process per file (isolate): files rely on process-wide state of their own
 *   (signal handlers, process.on('exit'), ports, environment), as under node --test;
 * - 2 files at a time, node --test's concurrency on the 2-core CI machine;
 * - 2-minute timeouts for tests and hooks, about three times the slowest test seen on a loaded
 *   2-core machine (38 s: npm run mds refusing bad BLOBs, each a CLI process), where vitest's
 *   defaults (5 s, 10 s) would fail tests that take their time on purpose; node --test had none.
 * Coverage (`npm test -- --coverage`, what CI runs) is V8's, over src/ only: text-summary in the
 * output, json-summary in coverage/ for a figure a script can read.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    isolate: true,
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
});
