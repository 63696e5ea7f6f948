/**
 * One behaviour contract for the Store, run against the Redis store (real Redis, own key
 * prefix) and the memory store (fake clock): both must pass the same assertions.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchError } from '../../src/store/batch-error.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { createRedisConnection } from '../../src/store/redis-connection.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { Store } from '../../src/store/store.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';
import { deleteClusterPrefix, TEST_REDIS_CLUSTER_NODES } from './cluster-support.ts';

interface StoreUnderTest {
  store: Store;
  /** Lets time pass: moves the fake clock (memory) or really waits (Redis). */
  elapse(seconds: number): Promise<void>;
  cleanup(): Promise<void>;
}

function storeContract(kind: 'redis' | 'redis-cluster' | 'memory', setup: (prefix: string) => StoreUnderTest) {
  describe(`Store contract: ${kind}`, () => {
    const prefix = uniquePrefix(`store-${kind}`);
    let sut: StoreUnderTest;
    let store: Store;
    let counter = 0;
    /** A fresh key for each use, under this suite's prefix. */
    const key = (name: string) => `${prefix}{t${(counter += 1)}}:${name}`;
    /** Another key in the hash slot of `sibling` (one made by key()). */
    const inSlotOf = (sibling: string, name: string) => `${sibling.slice(0, sibling.indexOf('}') + 1)}:${name}`;

    beforeAll(() => {
      sut = setup(prefix);
      store = sut.store;
    });
    afterAll(() => sut.cleanup());

    test('reports its kind and answers ping', async () => {
      assert.equal(store.kind, kind === 'memory' ? 'memory' : 'redis');
      await store.ping();
    });

    test('get/set round-trip; absent keys are null with ttl -2', async () => {
      const k = key('s');
      assert.equal(await store.get(k), null);
      assert.equal(await store.ttl(k), -2);
      await store.set(k, 'v1');
      assert.equal(await store.get(k), 'v1');
      assert.equal(await store.ttl(k), -1);
    });

    test('set with a TTL reports it; set without a TTL clears it', async () => {
      const k = key('s');
      await store.set(k, 'v', 100);
      const ttl = await store.ttl(k);
      assert.ok(ttl >= 99 && ttl <= 100, `expected ttl near 100, got ${ttl}`);
      await store.set(k, 'v2');
      assert.equal(await store.ttl(k), -1);
    });

    test('fractional TTLs round up; zero, negative and NaN TTLs are refused', async () => {
      const k = key('s');
      await store.set(k, 'v', 1.2);
      assert.equal(await store.ttl(k), 2);
      for (const bad of [0, -5, Number.NaN, Infinity]) {
        await assert.rejects(store.set(k, 'x', bad), RangeError);
        await assert.rejects(store.setIfAbsent(key('n'), 'x', bad), RangeError);
        assert.throws(() => store.batch().set(k, 'x', bad), RangeError);
      }
      assert.equal(await store.get(k), 'v');
    });

    test('strings, hashes and sets expire after their TTL', async () => {
      const [s, h, m] = [key('s'), key('h'), key('m')];
      await store.set(s, 'v', 1);
      await store.batch().hsetAll(h, { a: '1' }, 1).sadd(m, ['x'], 1).exec();
      await sut.elapse(1.2);
      assert.equal(await store.get(s), null);
      assert.equal(await store.hgetall(h), null);
      assert.deepEqual(await store.smembers(m), []);
      for (const k of [s, h, m]) assert.equal(await store.ttl(k), -2);
    });

    test('setIfAbsent sets once, keeps the first value, honours its TTL', async () => {
      const k = key('s');
      assert.equal(await store.setIfAbsent(k, 'first', 50), true);
      assert.equal(await store.setIfAbsent(k, 'second'), false);
      assert.equal(await store.get(k), 'first');
      const ttl = await store.ttl(k);
      assert.ok(ttl >= 49 && ttl <= 50, `expected ttl near 50, got ${ttl}`);
      await store.del(k);
      assert.equal(await store.setIfAbsent(k, 'third'), true);
      assert.equal(await store.ttl(k), -1);
    });

    test('setIfEquals sets only over the value expected, with its TTL; never creates a key', async () => {
      const k = key('c');
      assert.equal(await store.setIfEquals(k, 'a', 'b', 50), false, 'absent: nothing set');
      assert.equal(await store.ttl(k), -2, 'nothing created');
      await store.set(k, 'a', 10);
      assert.equal(await store.setIfEquals(k, 'other', 'b', 50), false);
      assert.equal(await store.get(k), 'a', 'another value: left as it was');
      assert.equal(await store.setIfEquals(k, 'a', 'b', 50), true);
      assert.equal(await store.get(k), 'b');
      const ttl = await store.ttl(k);
      assert.ok(ttl >= 49 && ttl <= 50, `the new TTL: ${ttl}`);
      assert.equal(await store.setIfEquals(k, 'b', 'c'), true);
      assert.equal(await store.ttl(k), -1, 'no TTL given: none');
      const h = key('ch');
      await store.batch().hsetAll(h, { a: '1' }).exec();
      await assert.rejects(store.setIfEquals(h, 'a', 'b'), /WRONGTYPE/);
    });

    test('setIfEqualsWithin sets over the value expected only while it is young enough, keeping its TTL; the other key first', async () => {
      const k = key('w');
      const other = `${k}:other`;
      const change = { expected: 'pending', value: 'spent', ttlSeconds: 50, withinMs: 60_000 };
      assert.equal(await store.setIfEqualsWithin(k, change), 'changed', 'absent: changed');
      assert.equal(await store.ttl(k), -2, 'nothing created');
      await store.set(k, 'someone else', 50);
      assert.equal(await store.setIfEqualsWithin(k, change), 'changed', 'another value: changed');
      assert.equal(await store.get(k), 'someone else', 'left as it was');

      await store.set(k, 'pending', 50);
      await store.set(other, 'record', 40);
      assert.equal(await store.setIfEqualsWithin(k, change, { key: other, value: 'record spent' }), 'set');
      assert.equal(await store.get(k), 'spent');
      assert.equal(await store.get(other), 'record spent', 'the other key replaced');
      const [ttl, otherTtl] = [await store.ttl(k), await store.ttl(other)];
      assert.ok(ttl >= 49 && ttl <= 50 && otherTtl >= 39 && otherTtl <= 40, `TTLs kept: ${ttl}, ${otherTtl}`);
      assert.equal(await store.setIfEqualsWithin(k, change), 'set', 'sent again once set: set');
      const gone = `${k}:gone`;
      await store.set(k, 'pending', 50);
      assert.equal(await store.setIfEqualsWithin(k, change, { key: gone, value: 'x' }), 'set');
      assert.equal(await store.ttl(gone), -2, 'the other key is never created');

      await store.set(k, 'pending', 50);
      await sut.elapse(2);
      assert.equal(await store.setIfEqualsWithin(k, { ...change, withinMs: 1_000 }, { key: other, value: 'late' }), 'late', 'written 2 s ago, 1 s allowed');
      assert.equal(await store.get(k), 'pending', 'late: left as it was');
      assert.equal(await store.get(other), 'record spent', 'late: the other key untouched');
      assert.equal(await store.setIfEqualsWithin(k, { ...change, withinMs: 5_000 }), 'set', 'written 2 s ago, 5 s allowed');

      await store.set(k, 'pending');
      await sut.elapse(2);
      assert.equal(await store.setIfEqualsWithin(k, { ...change, ttlSeconds: undefined, withinMs: 0 }), 'set', 'no TTL: no age, never late');
      const h = key('wh');
      await store.batch().hsetAll(h, { a: '1' }).exec();
      await assert.rejects(store.setIfEqualsWithin(h, change), /WRONGTYPE/);
    });

    test('setIfEqualsWithin with a hash: replaces it, absent or not, without a TTL, only when it sets', async () => {
      const k = key('wr');
      const record = `${k}:record`;
      const change = { expected: 'pending', value: 'bound', ttlSeconds: 50, withinMs: 1_000 };
      await store.set(k, 'pending', 50);
      await sut.elapse(2);
      assert.equal(await store.setIfEqualsWithin(k, change, { key: record, hash: { a: '1' } }), 'late');
      assert.equal(await store.hgetall(record), null, 'late: the hash not created');

      await store.set(k, 'pending', 50);
      await store.batch().hsetAll(record, { stale: 'x', a: '0' }, 30).exec();
      assert.equal(await store.setIfEqualsWithin(k, change, { key: record, hash: { a: '1', b: '2' } }), 'set');
      assert.deepEqual(await store.hgetall(record), { a: '1', b: '2' }, 'the hash replaced: no field of the one before');
      assert.equal(await store.ttl(record), -1, 'no TTL');
      assert.equal(await store.get(k), 'bound');

      await store.del(record);
      assert.equal(await store.setIfEqualsWithin(k, change, { key: record, hash: { a: '3' } }), 'set', 'sent again once set: set');
      assert.equal(await store.hgetall(record), null, 'sent again: the hash not written again');

      await store.set(k, 'someone else', 50);
      assert.equal(await store.setIfEqualsWithin(k, change, { key: record, hash: { a: '4' } }), 'changed');
      assert.equal(await store.hgetall(record), null, 'changed: the hash not created');

      await store.set(k, 'pending', 50);
      await assert.rejects(store.setIfEqualsWithin(k, change, { key: record, hash: {} }), /a hash needs fields/);
      assert.equal(await store.get(k), 'pending', 'refused: nothing changed');
    });

    test("a batch's setIfEqualsWithin is its condition: met, every write applies and it comes last; refused or already set, nothing of its slot is written", async () => {
      // The batch's writes in the condition's slot (its hash tag), and one in another slot.
      const claim = key('claim');
      const record = inSlotOf(claim, 'record');
      const token = inSlotOf(claim, 'token');
      const index = inSlotOf(claim, 'index');
      const elsewhere = key('elsewhere');
      const change = { expected: 'pending', value: 'spent', ttlSeconds: 50, withinMs: 60_000 };
      const bought = () => store.batch().set(token, 'new token', 30).hset(index, { t: '' }, 30).set(elsewhere, 'other slot', 30);
      const written = async () => ({ token: await store.get(token), index: await store.hgetall(index), record: await store.get(record) });
      const nothing = { token: null, index: null, record: 'unspent' };

      await store.set(claim, 'pending', 50);
      await store.set(record, 'unspent', 40);
      await sut.elapse(2);
      assert.equal(
        await bought()
          .setIfEqualsWithin(claim, { ...change, withinMs: 1_000 }, { key: record, value: 'spent record' })
          .exec(),
        'late',
      );
      assert.deepEqual(await written(), nothing, 'late: nothing of its slot written');
      assert.equal(await store.get(claim), 'pending', 'late: the claim left as it was');
      // On Cluster the other slots are written first, as a write of their own before it would be; one node writes none.
      assert.equal(await store.get(elsewhere), kind === 'redis-cluster' ? 'other slot' : null, 'late: another slot');
      await store.del(elsewhere);

      await store.set(claim, 'someone else', 50);
      assert.equal(await bought().setIfEqualsWithin(claim, change).exec(), 'changed');
      assert.deepEqual(await written(), nothing, 'changed: nothing of its slot written');
      assert.equal(await store.get(elsewhere), kind === 'redis-cluster' ? 'other slot' : null, 'changed: another slot');
      await store.del(elsewhere);

      await store.set(claim, 'pending', 50);
      assert.equal(await bought().setIfEqualsWithin(claim, change, { key: record, value: 'spent record' }).exec(), 'set');
      assert.deepEqual(await written(), { token: 'new token', index: { t: '' }, record: 'spent record' }, 'met: every write');
      assert.equal(await store.get(elsewhere), 'other slot');
      assert.equal(await store.get(claim), 'spent');
      const ttl = await store.ttl(claim);
      assert.ok(ttl >= 49 && ttl <= 50, `the claim's TTL kept: ${ttl}`);

      await store.del(token, index, elsewhere);
      assert.equal(await bought().setIfEqualsWithin(claim, change).exec(), 'set', 'the same batch sent again once set: set');
      assert.deepEqual([await store.get(token), await store.hgetall(index)], [null, null], 'sent again: its slot not written again');

      const hashed = inSlotOf(claim, 'hashed');
      await store.set(claim, 'pending', 50);
      assert.equal(
        await store
          .batch()
          .set(token, 'again', 30)
          .setIfEqualsWithin(claim, change, { key: hashed, hash: { a: '1' } })
          .exec(),
        'set',
      );
      assert.deepEqual(await store.hgetall(hashed), { a: '1' }, 'its `also` as a hash');
      assert.equal(await store.ttl(hashed), -1);

      assert.equal(await store.batch().set(token, 'plain', 30).exec(), 'set', 'a batch without a condition: set');
      assert.throws(() => store.batch().setIfEqualsWithin(claim, change).setIfEqualsWithin(record, change), /one condition per batch/);
      assert.throws(() => store.batch().setIfEqualsWithin(claim, change).set(token, 'after it'), /setIfEqualsWithin queued last/);
    });

    test("a batch's condition is not written when another of its writes failed: what it makes count was not all saved", async () => {
      const claim = key('claim');
      const wrong = inSlotOf(claim, 'wrong');
      const token = inSlotOf(claim, 'token');
      await store.batch().hsetAll(wrong, { a: '1' }).exec();
      await store.set(claim, 'pending', 50);
      const change = { expected: 'pending', value: 'spent', ttlSeconds: 50, withinMs: 60_000 };
      await assert.rejects(
        store.batch().set(token, 'new token', 30).sadd(wrong, ['x']).setIfEqualsWithin(claim, change).exec(),
        (err: unknown) => err instanceof BatchError && /WRONGTYPE/.test(err.message),
      );
      assert.equal(await store.get(claim), 'pending', 'the claim left as it was');
      assert.equal(await store.get(token), 'new token', 'the writes that did not fail applied, as in any batch');

      // On Cluster, a failure in a slot written before the condition's: its slot is not written at all.
      const elsewhere = key('wrong');
      await store.batch().hsetAll(elsewhere, { a: '1' }).exec();
      await store.del(token);
      await assert.rejects(store.batch().sadd(elsewhere, ['x']).set(token, 'new token', 30).setIfEqualsWithin(claim, change).exec(), BatchError);
      assert.equal(await store.get(claim), 'pending', 'another slot failed: the claim left as it was');
    });

    test('replace changes an existing value and keeps its TTL; never creates a key', async () => {
      const k = key('r');
      assert.equal(await store.replace(k, 'x'), false);
      assert.equal(await store.ttl(k), -2, 'nothing created');
      await store.set(k, 'first', 50);
      assert.equal(await store.replace(k, 'second'), true);
      assert.equal(await store.get(k), 'second');
      const ttl = await store.ttl(k);
      assert.ok(ttl >= 49 && ttl <= 50, `expected the TTL kept near 50, got ${ttl}`);
      await store.set(k, 'lasting');
      assert.equal(await store.replace(k, 'still'), true);
      assert.equal(await store.ttl(k), -1);
    });

    test('setIfAbsent treats any existing key as present, whatever its type', async () => {
      const k = key('h');
      await store.batch().hsetAll(k, { a: '1' }).exec();
      assert.equal(await store.setIfAbsent(k, 'v'), false);
      assert.deepEqual(await store.hgetall(k), { a: '1' });
    });

    test('take returns the value once and deletes it', async () => {
      const k = key('s');
      await store.set(k, 'once', 60);
      assert.equal(await store.take(k), 'once');
      assert.equal(await store.take(k), null);
      assert.equal(await store.get(k), null);
    });

    test('concurrent takes: exactly one wins', async () => {
      const k = key('s');
      await store.set(k, 'prize', 60);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.take(k)));
      assert.deepEqual(
        results.filter((r) => r !== null),
        ['prize'],
      );
    });

    test('del counts the keys that existed, whatever their type', async () => {
      const [s, h, m, absent] = [key('s'), key('h'), key('m'), key('absent')];
      await store.set(s, 'v');
      await store.batch().hsetAll(h, { a: '1' }).sadd(m, ['x']).exec();
      assert.equal(await store.del(), 0);
      assert.equal(await store.del(s, h, m, absent), 3);
      assert.equal(await store.del(s), 0);
    });

    test('hsetAll replaces the whole hash; hgetall returns all fields', async () => {
      const k = key('h');
      await store.batch().hsetAll(k, { a: '1', b: '2' }, 100).exec();
      assert.deepEqual(await store.hgetall(k), { a: '1', b: '2' });
      await store.batch().hsetAll(k, { c: '3' }).exec();
      assert.deepEqual(await store.hgetall(k), { c: '3' });
      assert.equal(await store.ttl(k), -1);
      await store.batch().hsetAll(k, {}).exec();
      assert.equal(await store.hgetall(k), null);
    });

    test('mget reads several string keys of one slot in order, null for absent ones', async () => {
      const tag = `{m${(counter += 1)}}`;
      const [a, b, c] = ['a', 'b', 'c'].map((n) => `${prefix}${tag}:${n}`);
      await store.set(a!, '1');
      await store.set(c!, '3', 60);
      assert.deepEqual(await store.mget([a!, b!, c!]), ['1', null, '3']);
      assert.deepEqual(await store.mget([]), []);
    });

    test('hsetIfExists never creates a key', async () => {
      const k = key('h');
      assert.equal(await store.hsetIfExists(k, { consumed: '1' }), false);
      assert.equal(await store.hgetall(k), null);
      assert.equal(await store.ttl(k), -2);
    });

    test('hsetIfExists updates an existing hash and keeps its TTL', async () => {
      const k = key('h');
      await store.batch().hsetAll(k, { payload: '{}' }, 100).exec();
      assert.equal(await store.hsetIfExists(k, { consumed: '42' }), true);
      assert.deepEqual(await store.hgetall(k), { payload: '{}', consumed: '42' });
      const ttl = await store.ttl(k);
      assert.ok(ttl >= 99 && ttl <= 100, `expected ttl near 100, got ${ttl}`);
    });

    test('smembers lists members; srem of the last member removes the set', async () => {
      const k = key('m');
      assert.deepEqual(await store.smembers(k), []);
      await store.batch().sadd(k, ['a', 'b']).sadd(k, ['b', 'c']).exec();
      assert.deepEqual((await store.smembers(k)).sort(), ['a', 'b', 'c']);
      await store.batch().srem(k, ['a', 'b']).exec();
      assert.deepEqual(await store.smembers(k), ['c']);
      await store.batch().srem(k, ['c']).exec();
      assert.equal(await store.ttl(k), -2);
    });

    test('sadd with a TTL only ever extends the set expiry', async () => {
      const k = key('m');
      await store.batch().sadd(k, ['a'], 100).exec();
      assert.ok(near(await store.ttl(k), 100));
      await store.batch().sadd(k, ['b'], 1000).exec();
      assert.ok(near(await store.ttl(k), 1000));
      await store.batch().sadd(k, ['c'], 100).exec();
      assert.ok(near(await store.ttl(k), 1000), 'a shorter TTL must not shorten the set');
      await store.batch().sadd(k, ['d']).exec();
      assert.ok(near(await store.ttl(k), 1000), 'sadd without a TTL keeps the TTL');
      assert.deepEqual((await store.smembers(k)).sort(), ['a', 'b', 'c', 'd']);
    });

    test('sadd with a TTL gives a set without a TTL one (EXPIRE NX then GT)', async () => {
      const k = key('m');
      await store.batch().sadd(k, ['a']).exec();
      assert.equal(await store.ttl(k), -1);
      await store.batch().sadd(k, ['b'], 100).exec();
      assert.ok(near(await store.ttl(k), 100));
    });

    test("sadd with expiry 'restart' sets the TTL from now, one plain EXPIRE: a fresh set gets it, a longer one is cut to it", async () => {
      const k = key('m');
      await store.batch().sadd(k, ['a']).exec();
      await store.batch().sadd(k, ['b'], 100, 'restart').exec();
      assert.ok(near(await store.ttl(k), 100), 'a set without a TTL gets one');
      await store.batch().sadd(k, ['c'], 1000, 'restart').exec();
      assert.ok(near(await store.ttl(k), 1000));
      await store.batch().sadd(k, ['d'], 100, 'restart').exec();
      assert.ok(near(await store.ttl(k), 100), "'restart' does not keep the longer TTL ('extend' would)");
      await store.batch().sadd(k, ['e'], 1000, 'extend').exec();
      assert.ok(near(await store.ttl(k), 1000));
      assert.deepEqual((await store.smembers(k)).sort(), ['a', 'b', 'c', 'd', 'e']);
      assert.throws(() => store.batch().sadd(k, ['f'], 100, 'longest' as 'extend'), /'extend' or 'restart'/);
    });

    test("sadd with expiry 'when-added' sets the TTL from now only when it added a member: a set created again after it was lost gets it too", async () => {
      const k = key('m');
      await store.batch().sadd(k, ['a', 'b'], 100, 'when-added').exec();
      assert.ok(near(await store.ttl(k), 100), 'a fresh set gets the TTL');
      await store.batch().sadd(k, ['a'], 1000, 'when-added').sadd(k, ['b'], 1000, 'when-added').exec();
      assert.ok(near(await store.ttl(k), 100), 'adding members already there sends no EXPIRE');
      await store.batch().sadd(k, ['a', 'c'], 1000, 'when-added').exec();
      assert.ok(near(await store.ttl(k), 1000), 'one new member among others restarts it');
      await store.del(k);
      await store.batch().sadd(k, ['a'], 100, 'when-added').exec();
      assert.ok(near(await store.ttl(k), 100), 'the set lost and created again by a later write has a TTL');
      assert.deepEqual(await store.smembers(k), ['a']);

      // In one batch, each EXPIRE follows its own SADD: here the second adds nothing.
      const [other, text] = [key('other'), key('text')];
      await store.batch().sadd(other, ['x'], 100, 'when-added').sadd(k, ['a'], 1000, 'when-added').exec();
      assert.ok(near(await store.ttl(other), 100));
      assert.ok(near(await store.ttl(k), 100));
      // A SADD that fails (WRONGTYPE) adds nothing: its EXPIRE is not sent either.
      await store.batch().set(text, 'v', 50).exec();
      await assert.rejects(store.batch().sadd(text, ['x'], 1000, 'when-added').exec(), BatchError);
      assert.ok(near(await store.ttl(text), 50));
      assert.throws(() => store.batch().sadd(k, ['f'], 100, 'sometimes' as 'when-added'), /'when-added', 'extend' or 'restart'/);
    });

    test('hset adds or replaces fields, creating the hash; hkeys lists them; hdel of the last field removes the hash', async () => {
      const k = key('h');
      assert.deepEqual(await store.hkeys(k), []);
      await store.batch().hset(k, { a: '', b: '1' }).hset(k, { b: '2', c: '' }).exec();
      assert.deepEqual((await store.hkeys(k)).sort(), ['a', 'b', 'c']);
      assert.deepEqual(await store.hgetall(k), { a: '', b: '2', c: '' });
      await store.batch().hdel(k, ['a', 'b', 'absent']).exec();
      assert.deepEqual(await store.hkeys(k), ['c']);
      await store.batch().hdel(k, ['c']).exec();
      assert.equal(await store.ttl(k), -2);
      await store.batch().hdel(k, ['c']).hset(k, {}).exec();
      assert.equal(await store.ttl(k), -2, 'no fields to set: nothing created');
    });

    test('hset with a TTL follows the expiry given, as sadd does', async () => {
      const k = key('h');
      await store.batch().hset(k, { a: '' }, 100).exec();
      assert.ok(near(await store.ttl(k), 100), 'a fresh hash gets the TTL');
      await store.batch().hset(k, { b: '' }, 1000).hset(k, { c: '' }, 100).exec();
      assert.ok(near(await store.ttl(k), 1000), "'extend' (the default) never shortens it");
      await store.batch().hset(k, { d: '' }, 100, 'restart').exec();
      assert.ok(near(await store.ttl(k), 100), "'restart' sets it from now");
      await store.batch().hset(k, { d: 'again' }, 1000, 'when-added').exec();
      assert.ok(near(await store.ttl(k), 100), "'when-added': a field already there sends no EXPIRE");
      await store.batch().hset(k, { e: '' }, 1000, 'when-added').exec();
      assert.ok(near(await store.ttl(k), 1000), "'when-added': a new field restarts it");
      assert.deepEqual((await store.hkeys(k)).sort(), ['a', 'b', 'c', 'd', 'e']);
      const text = key('text');
      await store.set(text, 'v');
      await assert.rejects(store.batch().hset(text, { x: '' }, 100).exec(), BatchError);
      await assert.rejects(store.hkeys(text));
      assert.throws(() => store.batch().hset(k, { f: '' }, 100, 'longest' as 'extend'), /'extend' or 'restart'/);
      // Checked even with nothing to add, as sadd's are.
      assert.throws(() => store.batch().hset(k, {}, 100, 'longest' as 'extend'), /'extend' or 'restart'/);
      assert.throws(() => store.batch().sadd(k, [], 100, 'longest' as 'extend'), /'extend' or 'restart'/);
      assert.throws(() => store.batch().hset(k, {}, -1), /expected a TTL in seconds greater than 0/);
    });

    test('unionStore replaces a set with the union of others, with its TTL; an empty union leaves none', async () => {
      // One hash tag: on Cluster the sources share dest's slot.
      const tagged = (name: string) => `${prefix}{union}:${name}`;
      const [a, b, absent, dest, text] = ['a', 'b', 'absent', 'dest', 'text'].map(tagged) as [string, string, string, string, string];
      await store.batch().sadd(a, ['x', 'y']).sadd(b, ['y', 'z']).sadd(dest, ['old']).exec();
      await store.batch().unionStore(dest, [a, b, absent], 100).exec();
      assert.deepEqual((await store.smembers(dest)).sort(), ['x', 'y', 'z'], 'the old members are gone');
      assert.ok(near(await store.ttl(dest), 100));
      assert.equal(await store.ttl(a), -1, 'the sources are left as they were');
      await store.batch().unionStore(dest, [absent], 100).exec();
      assert.equal(await store.ttl(dest), -2, 'an empty union leaves no set');
      await store.batch().set(text, 'v').exec();
      await assert.rejects(store.batch().unionStore(dest, [a, text], 100).exec(), BatchError);
      assert.throws(() => store.batch().unionStore(dest, [a], undefined as unknown as number), /expected a TTL/);
    });

    test('hincrby counts from zero, adds and subtracts, and refuses a non-integer increment or field', async () => {
      const [h, text] = [key('counts'), key('text')];
      await store.batch().hincrby(h, 'a', 1).hincrby(h, 'a', 2).hincrby(h, 'b', -1).exec();
      assert.deepEqual(await store.hgetall(h), { a: '3', b: '-1' });
      assert.throws(() => store.batch().hincrby(h, 'a', 1.5), /whole-number increment/);
      await store.batch().hsetAll(text, { f: 'not a number' }).exec();
      await assert.rejects(store.batch().hincrby(text, 'f', 1).exec(), BatchError);
      assert.deepEqual(await store.hgetall(text), { f: 'not a number' });
    });

    test('setPart replaces one part of a text of parts and keeps the others, whoever wrote them; the expiry only ever extended', async () => {
      const k = key('parts');
      await store.batch().setPart(k, 1, 'second', 100).exec();
      assert.equal(await store.get(k), '\nsecond', 'a part after an absent first one');
      assert.ok(near(await store.ttl(k), 100), 'a new text gets the TTL');
      await store.batch().setPart(k, 0, '["first",1]', 1000).exec();
      assert.equal(await store.get(k), '["first",1]\nsecond');
      assert.ok(near(await store.ttl(k), 1000), 'a longer TTL extends it');
      await store.batch().setPart(k, 1, 'other', 100).exec();
      assert.equal(await store.get(k), '["first",1]\nother');
      assert.ok(near(await store.ttl(k), 1000), 'a shorter TTL never shortens what another part needs');
      await store.batch().setPart(k, 0, 'changed', 100).set(key('beside'), 'x').exec();
      assert.equal(await store.get(k), 'changed\nother', 'in a batch of several commands too');
      // The last part emptied: the text is its first part as it is (what a reader of one part reads).
      await store.batch().setPart(k, 1, '', 100).exec();
      assert.equal(await store.get(k), 'changed');
      await store.batch().setPart(k, 3, 'fourth', 100).exec();
      assert.equal(await store.get(k), 'changed\n\n\nfourth', 'the parts between are empty');
      await store.batch().setPart(k, 0, '', 100).setPart(k, 3, '', 100).exec();
      assert.equal(await store.ttl(k), -2, 'no part left: no key');
      // A text written whole without a TTL gets one, as the 'extend' expiry does.
      const whole = key('whole');
      await store.set(whole, 'plain');
      await store.batch().setPart(whole, 1, 'id', 100).exec();
      assert.equal(await store.get(whole), 'plain\nid');
      assert.ok(near(await store.ttl(whole), 100));
    });

    test('setPart of several parts of one key in a row: all applied, in order, the expiry extended to the longest', async () => {
      const k = key('parts-row');
      await store.batch().set(key('before'), 'x').setPart(k, 1, 'id', 100).setPart(k, 0, 'first', 300).setPart(k, 2, 'third', 50).exec();
      assert.equal(await store.get(k), 'first\nid\nthird');
      assert.ok(near(await store.ttl(k), 300), 'a new text: the longest TTL of its parts');
      await store.batch().setPart(k, 0, 'again', 100).setPart(k, 0, 'last', 100).setPart(k, 2, '', 100).exec();
      assert.equal(await store.get(k), 'last\nid', 'the same part twice: the last wins; the last part emptied');
      assert.ok(near(await store.ttl(k), 300), 'shorter TTLs never shorten it');
      await store.batch().setPart(k, 1, 'other', 100).set(key('between'), 'y').setPart(k, 0, 'after', 1000).exec();
      assert.equal(await store.get(k), 'after\nother', 'parts apart in the batch: each applied');
      assert.ok(near(await store.ttl(k), 1000));
      await store.batch().setPart(k, 0, '', 100).setPart(k, 1, '', 100).exec();
      assert.equal(await store.ttl(k), -2, 'every part emptied at once: no key');
    });

    test('setPart refuses a part with a line feed, a bad index or no TTL, and reports a key of another type without changing it', async () => {
      const [k, set] = [key('parts'), key('set')];
      assert.throws(() => store.batch().setPart(k, 0, 'a\nb', 100), /without a line feed/);
      assert.throws(() => store.batch().setPart(k, -1, 'a', 100), /part index/);
      assert.throws(() => store.batch().setPart(k, 0.5, 'a', 100), /part index/);
      assert.throws(() => store.batch().setPart(k, 0, 'a', undefined as unknown as number), /expected a TTL/);
      await store.batch().sadd(set, ['m']).exec();
      await assert.rejects(store.batch().setPart(set, 0, 'a', 100).exec(), (err: unknown) => err instanceof BatchError && /WRONGTYPE/.test(err.message));
      await assert.rejects(store.batch().setPart(set, 0, 'a', 100).set(k, 'v').exec(), BatchError);
      assert.deepEqual(await store.smembers(set), ['m']);
      assert.equal(await store.get(k), 'v', 'the other commands of the batch apply');
    });

    test("concurrent setPart writers of one text each keep the other's part", async () => {
      const k = key('parts');
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store
            .batch()
            .setPart(k, i % 2, `${i % 2 ? 'id' : 'record'}-${i}`, 100)
            .exec(),
        ),
      );
      const [first, second] = (await store.get(k))!.split('\n');
      assert.match(first!, /^record-\d+$/);
      assert.match(second!, /^id-\d+$/);
    });

    test('concurrent batches and union counts on keys of many slots all apply (Cluster: every master at once)', async () => {
      const keys = Array.from({ length: 60 }, (_v, i) => key(`concurrent-${i}`));
      await Promise.all(
        keys.map((k, i) =>
          store
            .batch()
            .sadd(`${k}:set`, [String(i)])
            .hsetAll(k, { i: String(i) }, 100)
            .exec(),
        ),
      );
      const counts = await Promise.all(keys.map((k) => store.unionCount([`${k}:set`])));
      const hashes = await Promise.all(keys.map((k) => store.hgetall(k)));
      assert.deepEqual(
        counts,
        keys.map(() => 1),
      );
      assert.deepEqual(
        hashes,
        keys.map((_k, i) => ({ i: String(i) })),
      );
      await Promise.all(keys.map((k) => store.batch().del(k, `${k}:set`).exec()));
    });

    test('unionCount counts distinct members over sets, absent ones as empty', async () => {
      const tag = `{u${(counter += 1)}}`;
      const [a, b, absent] = [`${prefix}${tag}:a`, `${prefix}${tag}:b`, `${prefix}${tag}:absent`];
      assert.equal(await store.unionCount([]), 0);
      assert.equal(await store.unionCount([absent]), 0);
      await store.batch().sadd(a, ['x', 'y']).sadd(b, ['y', 'z', 'w']).exec();
      assert.equal(await store.unionCount([a]), 2);
      assert.equal(await store.unionCount([a, b, absent]), 4);
      assert.deepEqual((await store.smembers(a)).sort(), ['x', 'y'], 'the sets are left as they were');
      assert.equal(await store.unionCount([absent, `${prefix}${tag}:absent2`]), 0);
    });

    test('hmget reads some fields in order, null for absent fields and hashes', async () => {
      const h = key('h');
      await store.batch().hsetAll(h, { a: '1', b: '2' }).exec();
      assert.deepEqual(await store.hmget(h, ['b', 'missing', 'a']), ['2', null, '1']);
      assert.deepEqual(await store.hmget(key('absent'), ['a']), [null]);
      assert.deepEqual(await store.hmget(h, []), []);
    });

    test('batch: nothing is applied before exec(), everything after', async () => {
      const [a, h, m, gone] = [key('a'), key('h'), key('m'), key('gone')];
      await store.set(gone, 'x');
      const batch = store.batch().set(a, '1', 60).hsetAll(h, { f: 'v' }).sadd(m, ['x']).del(gone);
      assert.equal(await store.get(a), null);
      assert.equal(await store.hgetall(h), null);
      assert.equal(await store.get(gone), 'x');
      await batch.exec();
      assert.equal(await store.get(a), '1');
      assert.deepEqual(await store.hgetall(h), { f: 'v' });
      assert.deepEqual(await store.smembers(m), ['x']);
      assert.equal(await store.get(gone), null);
      await assert.rejects(batch.exec(), /exec\(\) once/);
      assert.throws(() => batch.set(a, '2'), /already executed/);
    });

    test('batches and reads of many slots sent in one tick all apply (auto-pipelined per Cluster node)', async () => {
      const ks = Array.from({ length: 40 }, () => key('b'));
      await Promise.all(
        ks.map((k, i) =>
          Promise.all([
            store
              .batch()
              .hsetAll(k, { n: String(i) }, 60)
              .sadd(`${k}:s`, ['x'], 60)
              .exec(),
            store.get(`${k}:none`),
          ]),
        ),
      );
      assert.deepEqual(
        await Promise.all(ks.map((k) => store.hgetall(k))),
        ks.map((_, i) => ({ n: String(i) })),
      );
    });

    test('an empty batch executes without error', async () => {
      await store.batch().exec();
      await store.batch().sadd(key('m'), []).srem(key('m'), []).del().exec();
    });

    // Redis MULTI/EXEC is atomic in isolation (no other command runs in between) but has no
    // rollback: a command failing at run time (WRONGTYPE) leaves the others applied. The
    // memory store does the same, and exec() rejects with a BatchError naming the failure.
    test('batch: a failing command is reported and does not roll back the others', async () => {
      const [a, s, b] = [key('a'), key('s'), key('b')];
      await store.set(s, 'a string');
      const error = await store
        .batch()
        .set(a, '1')
        .srem(s, ['x'])
        .set(b, '2')
        .exec()
        .then(
          () => assert.fail('expected exec() to reject'),
          (e: unknown) => e,
        );
      assert.ok(error instanceof BatchError, `expected a BatchError, got ${String(error)}`);
      assert.equal(error.failures.length, 1);
      assert.equal(error.failures[0]?.command, 'SREM');
      assert.equal(error.failures[0]?.key, s);
      assert.match(error.failures[0]?.message ?? '', /WRONGTYPE/);
      assert.equal(await store.get(a), '1');
      assert.equal(await store.get(b), '2');
      assert.equal(await store.get(s), 'a string');
    });

    test('pushCapped keeps the newest entries first, at most max; lrange reads them', async () => {
      const k = key('l');
      assert.deepEqual(await store.lrange(k, 0, -1), []);
      for (const v of ['a', 'b', 'c', 'd']) await store.pushCapped(k, v, 3);
      assert.deepEqual(await store.lrange(k, 0, -1), ['d', 'c', 'b']);
      assert.deepEqual(await store.lrange(k, 0, 0), ['d']);
      assert.deepEqual(await store.lrange(k, -2, -1), ['c', 'b']);
      assert.deepEqual(await store.lrange(k, 5, 9), []);
      assert.equal(await store.ttl(k), -1);
      await assert.rejects(store.pushCapped(k, 'x', 0), RangeError);
      assert.deepEqual(await store.lrange(k, 0, -1), ['d', 'c', 'b'], 'a refused push changes nothing');
      const s = key('s');
      await store.set(s, 'v');
      await assert.rejects(store.pushCapped(s, 'x', 3), /WRONGTYPE/);
      await assert.rejects(store.lrange(s, 0, -1), /WRONGTYPE/);
    });

    test('sorted sets: zadd moves a member, zrangeUpTo reads lowest scores first up to a limit, zrem removes', async () => {
      const k = key('z');
      assert.deepEqual(await store.zrangeUpTo(k, 100, 10), []);
      await store.zadd(k, 30, 'c');
      await store.zadd(k, 10, 'a');
      await store.zadd(k, 20, 'b');
      await store.zadd(k, 50, 'd');
      assert.deepEqual(await store.zrangeUpTo(k, 30, 10), ['a', 'b', 'c']);
      assert.deepEqual(await store.zrangeUpTo(k, 30, 2), ['a', 'b']);
      await store.zadd(k, 60, 'a');
      assert.deepEqual(await store.zrangeUpTo(k, 55, 10), ['b', 'c', 'd']);
      await store.zrem(k, 'b');
      await store.zrem(k, 'nothing');
      assert.deepEqual(await store.zrangeUpTo(k, 100, 10), ['c', 'd', 'a']);
      await assert.rejects(store.zadd(k, Number.NaN, 'x'), RangeError);
      const s = key('s');
      await store.set(s, 'v');
      await assert.rejects(store.zadd(s, 1, 'x'), /WRONGTYPE/);
    });

    test('a batch adds to a sorted set and moves a member as zadd does; a score that is not a number is refused at once', async () => {
      const k = key('zb');
      const beside = inSlotOf(k, 'beside');
      await store.batch().zadd(k, 20, 'b').set(beside, 'x', 30).zadd(k, 10, 'a').exec();
      assert.deepEqual(await store.zrangeUpTo(k, 100, 10), ['a', 'b']);
      await store.batch().zadd(k, 30, 'a').exec();
      assert.deepEqual(await store.zrangeUpTo(k, 100, 10), ['b', 'a'], 'moved');
      assert.throws(() => store.batch().zadd(k, Number.POSITIVE_INFINITY, 'x'), RangeError);
      await assert.rejects(store.batch().zadd(beside, 1, 'x').exec(), (err: unknown) => err instanceof BatchError && /WRONGTYPE/.test(err.message));
    });

    test('reads of the wrong type are refused with WRONGTYPE', async () => {
      const [s, h] = [key('s'), key('h')];
      await store.set(s, 'v');
      await store.batch().hsetAll(h, { a: '1' }).exec();
      await assert.rejects(store.get(h), /WRONGTYPE/);
      await assert.rejects(store.take(h), /WRONGTYPE/);
      await assert.rejects(store.hgetall(s), /WRONGTYPE/);
      await assert.rejects(store.smembers(s), /WRONGTYPE/);
      await assert.rejects(store.hsetIfExists(s, { a: '1' }), /WRONGTYPE/);
      assert.equal(await store.get(s), 'v');
    });
  });
}

function near(actual: number, expected: number): boolean {
  return actual >= expected - 2 && actual <= expected;
}

storeContract('redis', (prefix) => {
  const store = createRedisStore(createRedisConnection({ url: TEST_REDIS_URL }));
  return {
    store,
    elapse: (seconds) => sleep(seconds * 1000),
    async cleanup() {
      await store.close();
      await deletePrefix(prefix);
    },
  };
});

if (TEST_REDIS_CLUSTER_NODES) {
  storeContract('redis-cluster', (prefix) => {
    const store = createRedisStore(createRedisConnection({ clusterNodes: TEST_REDIS_CLUSTER_NODES }));
    return {
      store,
      elapse: (seconds) => sleep(seconds * 1000),
      async cleanup() {
        await store.close();
        await deleteClusterPrefix(prefix);
      },
    };
  });
}

storeContract('memory', () => {
  let now = 1_700_000_000_000;
  const store = createMemoryStore({ now: () => now });
  return {
    store,
    async elapse(seconds) {
      now += seconds * 1000;
    },
    cleanup: () => store.close(),
  };
});

describe('memory store specifics', () => {
  test('the periodic sweep drops expired keys without any read', async () => {
    let now = 0;
    const store = createMemoryStore({ now: () => now, sweepIntervalMs: 5 });
    await store.set('k', 'v', 1);
    now = 2000;
    await sleep(20);
    // Move the clock back: had no sweep run, the key would be live again on this read.
    now = 0;
    assert.equal(await store.get('k'), null);
    await store.close();
  });
});
