/**
 * How a batch reaches Redis: a batch of one command is that command, without the script call
 * around it (one command instead of two); several commands are one script call. Failures are
 * reported alike either way. Script calls are counted on the client this test owns. Additions
 * to one key that a batch can join are counted by a redis-server of the file's own (INFO
 * commandstats, the commands run inside scripts included).
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { Redis } from 'ioredis';
import { BatchError } from '../../src/store/batch-error.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { Store } from '../../src/store/store.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';
import { createRedisServer, type RedisServer } from '../support/redis-server.ts';

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

/** Calls of each command since the server started, as INFO commandstats counts them (inside scripts too). */
async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  return new Map([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map(([, name, calls]) => [name!, Number(calls)]));
}

describe("additions to one key joined in a batch (a token request's tokens listed in their grant's index)", () => {
  let server: RedisServer;
  let redis: Redis;
  let store: Store;
  beforeAll(async () => {
    server = await createRedisServer();
    redis = new Redis(server.url);
    store = createRedisStore(redis);
  });
  afterAll(async () => {
    await store?.close();
    await server?.dispose();
  });

  /** How many HSET, SADD and EXPIRE the batch made Redis run. */
  async function counted(run: () => Promise<unknown>): Promise<{ hset: number; sadd: number; expire: number }> {
    const before = await commandCalls(redis);
    await run();
    const after = await commandCalls(redis);
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    return { hset: delta('hset'), sadd: delta('sadd'), expire: delta('expire') };
  }

  test("an HSET with the TTL and expiry of the key's last write joins it, other keys written between: one HSET, one EXPIRE, the same result", async () => {
    for (const expiry of ['restart', 'extend', 'when-added'] as const) {
      const index = `joined:${expiry}:{g}:index`;
      const counts = await counted(() =>
        store
          .batch()
          .hset(index, { 'AT:1': '' }, 600, expiry)
          .set(`joined:${expiry}:{t}:one`, 'a', 60)
          .hset(index, { 'RT:2': '' }, 600, expiry)
          .set(`joined:${expiry}:{t}:two`, 'b', 60)
          .exec(),
      );
      assert.deepEqual(await redis.hgetall(index), { 'AT:1': '', 'RT:2': '' }, expiry);
      const ttl = await redis.ttl(index);
      assert.ok(ttl > 590 && ttl <= 600, `${expiry}: its TTL, got ${ttl}`);
      // 'extend' is EXPIRE NX then EXPIRE GT: two for the joined HSET, where the two HSETs made four.
      assert.deepEqual(counts, { hset: 1, sadd: 0, expire: expiry === 'extend' ? 2 : 1 }, expiry);
    }
  });

  test('a SADD joins the same way; an addition with another TTL or expiry, or after another write of the key, does not', async () => {
    const set = 'joined:{s}:set';
    assert.deepEqual(await counted(() => store.batch().sadd(set, ['a'], 60, 'restart').sadd(set, ['b'], 60, 'restart').exec()), {
      hset: 0,
      sadd: 1,
      expire: 1,
    });
    assert.deepEqual((await redis.smembers(set)).sort(), ['a', 'b']);

    const hash = 'joined:{h}:hash';
    const apart = await counted(() =>
      store.batch().hset(hash, { a: '1' }, 60, 'restart').hset(hash, { b: '2' }, 120, 'restart').hset(hash, { c: '3' }, 120, 'extend').exec(),
    );
    assert.deepEqual(apart, { hset: 3, sadd: 0, expire: 4 }, 'another TTL, then another expiry: each its own');
    const ttl = await redis.ttl(hash);
    assert.ok(ttl > 110 && ttl <= 120, `the last TTL, as written one after the other: ${ttl}`);

    const replaced = 'joined:{h}:replaced';
    const between = await counted(() => store.batch().hset(replaced, { a: '1' }, 60, 'restart').del(replaced).hset(replaced, { b: '2' }, 60, 'restart').exec());
    assert.deepEqual(between, { hset: 2, sadd: 0, expire: 2 }, 'a DEL between: not joined');
    assert.deepEqual(await redis.hgetall(replaced), { b: '2' }, 'the DEL still comes between them');
  });
});
