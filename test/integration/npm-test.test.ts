/**
 * `npm test` on a newcomer's machine (scripts/test.ts): with `redis-server` or Chromium missing
 * it stops in its first seconds with one line naming what to install; with nothing answering
 * at TEST_REDIS_URL it runs the tests against a private redis-server it starts, and stops it.
 * The launcher runs as `npm test` would (`node scripts/test.ts`), on a fixture test file only
 * (fixtures/vitest.config.ts, handed over as a vitest option).
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { freePort } from '../support/ports.ts';
import { redisAnswers } from '../support/redis-server.ts';
import { onPath } from '../support/prerequisites.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = '--config=test/integration/fixtures/vitest.config.ts';

/** Runs the launcher with exactly this environment (no VITEST_* variables: it is a fresh `npm test`). */
async function npmTest(env: Record<string, string>, args: string[] = [FIXTURE]) {
  const started = Date.now();
  const child = spawn(process.execPath, ['scripts/test.ts', ...args], {
    cwd: ROOT,
    env: { HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr, ms: Date.now() - started };
}

describe("npm test on a newcomer's machine", () => {
  const empty = mkdtempSync(join(tmpdir(), 'hc-npm-test-'));
  // An executable that stands for an installed tool: only its presence is checked before the refusal.
  const fakeRedisDir = mkdtempSync(join(tmpdir(), 'hc-npm-test-bin-'));
  writeFileSync(join(fakeRedisDir, 'redis-server'), '#!/bin/sh\nexit 1\n');
  chmodSync(join(fakeRedisDir, 'redis-server'), 0o755);
  process.on('exit', () => {
    rmSync(empty, { recursive: true, force: true });
    rmSync(fakeRedisDir, { recursive: true, force: true });
  });

  it('stops at once with one line naming both when neither redis-server nor Chromium is installed', async () => {
    const run = await npmTest({ PATH: empty, CHROMIUM_PATH: join(empty, 'chromium') });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.deepEqual(run.stderr.split('\n').filter(Boolean), [
      `npm test: missing redis-server (not on PATH) and Chromium (not at ${join(empty, 'chromium')}, CHROMIUM_PATH): install with \`apt-get install redis-server chromium\``,
    ]);
    assert.ok(run.ms < 5000, `in its first seconds (${run.ms} ms)`);
  });

  it('names only redis-server when Chromium is there, only Chromium when redis-server is', async () => {
    const noRedis = await npmTest({ PATH: empty, CHROMIUM_PATH: process.execPath });
    assert.equal(noRedis.code, 1);
    assert.deepEqual(noRedis.stderr.split('\n').filter(Boolean), ['npm test: missing redis-server (not on PATH): install with `apt-get install redis-server`']);
    const noChromium = await npmTest({ PATH: fakeRedisDir, CHROMIUM_PATH: join(empty, 'chromium') });
    assert.equal(noChromium.code, 1);
    assert.deepEqual(noChromium.stderr.split('\n').filter(Boolean), [
      `npm test: missing Chromium (not at ${join(empty, 'chromium')}, CHROMIUM_PATH): install with \`apt-get install chromium\``,
    ]);
  });

  it(
    'runs the tests against a private redis-server when nothing answers at TEST_REDIS_URL, and stops it at the end',
    { skip: !onPath('redis-server') /* redis-server is not installed */ },
    async () => {
      const nobody = `redis://127.0.0.1:${await freePort()}`;
      const run = await npmTest({ PATH: dirname(onPath('redis-server')!), TEST_REDIS_URL: nobody, CHROMIUM_PATH: process.execPath });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const announced =
        /no Redis answers at 127\.0\.0\.1:\d+ \(TEST_REDIS_URL\); the tests use a private redis-server at (127\.0\.0\.1:\d+), stopped at the end/.exec(
          run.stderr,
        );
      assert.ok(announced, run.stderr);
      const used = /private-redis\.check: used (\S+)/.exec(run.stdout + run.stderr);
      assert.equal(used?.[1], `redis://${announced[1]}`, 'the test file got the private server as TEST_REDIS_URL');
      assert.match(stripVTControlCharacters(run.stdout), /Tests +1 passed \(1\)/);
      assert.equal(await redisAnswers(`redis://${announced[1]}`), false, 'stopped at the end');
    },
  );
});
