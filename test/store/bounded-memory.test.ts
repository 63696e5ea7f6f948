/**
 * What a process keeps across requests, bounded in entries (store/bounded-map.ts), must also be
 * bounded in bytes: an id that a request or a record holds is kept as its own characters, not as
 * a view into the request body or the record text it was cut out of. The attack: a client pads
 * each refresh request (or each request of a client refused by its limit) with tens of kilobytes;
 * every id remembered would keep its whole body alive, ten thousand of them a gigabyte.
 */
import assert from 'node:assert/strict';
import { afterAll, describe, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLimiter } from '../../src/limits/limiter.ts';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createAdapterFactory } from '../../src/store/oidc-adapter.ts';
import { createRedisConnection } from '../../src/store/redis-connection.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import { cutOutOfLarge, heapKeptBy, MiB } from '../support/heap.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';

const COUNT = 200;
/** 200 ids, each cut out of 64 KiB: 12.5 MiB if the larger strings were kept. */
const LIMIT = 3 * MiB;
const shown = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

describe('ids remembered across requests keep their own characters only', () => {
  const prefix = uniquePrefix('bounded-memory');
  afterAll(() => deletePrefix(prefix));

  it("the adapter's known expiries: refresh tokens found by ids cut out of padded request bodies", async () => {
    const store = createRedisStore(createRedisConnection({ url: TEST_REDIS_URL }));
    try {
      const keyNames = createKeyNames(prefix);
      const ids = Array.from({ length: COUNT }, (_, i) => `rt-${String(i).padStart(40, '0')}`);
      const writer = createAdapterFactory(store, keyNames)('RefreshToken');
      const exp = Math.floor(Date.now() / 1000) + 600;
      for (const id of ids) await writer.upsert(id, { jti: id, grantId: `g-${id}`, exp }, 600);
      // Another instance (a fresh factory) finds them, as a refresh request presents them.
      const reader = createAdapterFactory(store, keyNames)('RefreshToken');
      const kept = await heapKeptBy(async () => {
        for (const id of ids) assert.equal((await reader.find(cutOutOfLarge(id)))?.jti, id);
      });
      assert.ok(kept < LIMIT, `${COUNT} refresh tokens found kept ${shown(kept)} on the heap`);
      // The expiry is known: consume() gives the use mark its lifetime without asking Redis for a TTL.
      await reader.consume(ids[0]!);
      assert.equal(typeof (await reader.find(ids[0]!))?.consumed, 'number');
    } finally {
      await store.close();
    }
  });

  it("a limit's refusals remembered here: client ids cut out of padded request bodies", async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const limiter = createLimiter('padded', { points: 1, seconds: 60 }, { redis, prefix });
      const clients = Array.from({ length: COUNT }, (_, i) => `client-${String(i).padStart(40, '0')}`);
      const kept = await heapKeptBy(async () => {
        for (const client of clients) {
          await limiter.consume(cutOutOfLarge(client));
          assert.equal((await limiter.consume(cutOutOfLarge(client))).allowed, false);
        }
      });
      assert.ok(kept < LIMIT, `${COUNT} refused clients kept ${shown(kept)} on the heap`);
      assert.equal(limiter.refusedHere(clients[7]!).allowed, false, 'the refusals are remembered');
    } finally {
      redis.disconnect();
    }
  });
});
