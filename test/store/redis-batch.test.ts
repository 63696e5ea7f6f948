/**
 * How a batch reaches Redis: a batch of one command is that command, without the script call
 * around it (one command instead of two); several commands are one script call. Failures are
 * reported alike either way. Script calls are counted on the client this test owns.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { Redis } from 'ioredis';
import { BatchError } from '../../src/store/batch-error.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { Store } from '../../src/store/store.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';

describe('Redis batches', () => {
  const prefix = uniquePrefix('redis-batch');
  const key = (name: string) => `${prefix}{b}:${name}`;
  let redis: Redis;
  let store: Store;
  let scriptCalls = 0;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
    const evalsha = redis.evalsha.bind(redis) as (...args: unknown[]) => Promise<unknown>;
    (redis as unknown as { evalsha: (...args: unknown[]) => Promise<unknown> }).evalsha = (...args) => {
      scriptCalls += 1;
      return evalsha(...args);
    };
    store = createRedisStore(redis);
  });
  afterAll(async () => {
    await store.close();
    await deletePrefix(prefix);
  });

  test('a batch of one command is sent as that command: no script call', async () => {
    const before = scriptCalls;
    await store.batch().set(key('alone'), 'v', 60).exec();
    assert.equal(scriptCalls, before, 'no EVALSHA for one command');
    assert.equal(await store.get(key('alone')), 'v');
    const ttl = await store.ttl(key('alone'));
    assert.ok(ttl > 55 && ttl <= 60, `its TTL, got ${ttl}`);
  });

  test('several commands are one script call', async () => {
    const before = scriptCalls;
    await store.batch().set(key('one'), '1', 60).set(key('two'), '2', 60).exec();
    assert.equal(scriptCalls, before + 1);
    assert.deepEqual(await store.mget([key('one'), key('two')]), ['1', '2']);
  });

  test('a command sent alone that Redis refuses rejects with a BatchError naming it, as in a script', async () => {
    await store.set(key('text'), 'not a hash');
    const error = await store
      .batch()
      .hincrby(key('text'), 'f', 1)
      .exec()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof BatchError, `expected a BatchError, got ${String(error)}`);
    assert.match(error.message, /HINCRBY/);
    assert.match(error.message, /WRONGTYPE/);
    assert.equal(await store.get(key('text')), 'not a hash', 'nothing changed');
  });
});
