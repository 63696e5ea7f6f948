/**
 * `npm test`: checks what the suite needs, then runs it (vitest run, configured in
 * vitest.config.ts) and cleans up after it.
 * - `redis-server` or Chromium missing: one line naming what to install, exit code 1, before
 *   anything else (test/support/prerequisites.ts);
 * - no Redis answering at TEST_REDIS_URL (default redis://127.0.0.1:6379): a private
 *   redis-server on a free port (no persistence; test/support/redis-server.ts, as the bench and
 *   the chaos tests use), handed to the test files as TEST_REDIS_URL and stopped at the end.
 * Arguments: test files to run instead of all (`npm test -- test/e2e/pages.test.ts`; vitest
 * matches them as parts of a test file's path) and vitest options (`--coverage`,
 * `--reporter=verbose`), passed on as they are. Exit code: the test run's.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { missingLine, missingPrerequisites } from '../test/support/prerequisites.ts';
import { TEST_REDIS_URL } from '../test/support/redis.ts';
import { createRedisServer, redisAnswers, type RedisServer } from '../test/support/redis-server.ts';

// Run by this Node (the one npm test started, Node 24): vitest's workers are forked from it.
const VITEST = join(import.meta.dirname, '..', 'node_modules', 'vitest', 'vitest.mjs');

/** host:port of a Redis URL, never its password. */
function where(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}

async function main(args: string[]): Promise<number> {
  const missing = missingPrerequisites();
  if (missing.length) {
    console.error(missingLine(missing));
    return 1;
  }
  let privateRedis: RedisServer | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!(await redisAnswers(TEST_REDIS_URL))) {
    privateRedis = await createRedisServer();
    env.TEST_REDIS_URL = privateRedis.url;
    console.warn(
      `npm test: no Redis answers at ${where(TEST_REDIS_URL)} (TEST_REDIS_URL); the tests use a private redis-server at ${where(privateRedis.url)}, stopped at the end`,
    );
  }
  // Which files, how long, in how many processes: vitest.config.ts.
  const run = spawn(process.execPath, [VITEST, 'run', ...args], { stdio: 'inherit', env });
  // Ctrl-C reaches the whole process group (the runner stops its tests); a SIGTERM to this
  // process alone is passed on. Either way the private Redis is stopped once the runner is done.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => run.kill('SIGTERM'));
  try {
    const [code, signal] = (await once(run, 'exit')) as [number | null, NodeJS.Signals | null];
    return code ?? (signal ? 1 : 0);
  } finally {
    await privateRedis?.dispose();
  }
}

process.exit(
  await main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`npm test: ${(err as Error).message}`);
    return 1;
  }),
);
