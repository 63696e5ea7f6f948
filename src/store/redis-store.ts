/**
 * Store over ioredis (single node, Sentinel or Cluster): plain commands, GETDEL for
 * single-use values, Lua scripts for hsetIfExists and setIfEquals, batches run by one script call each
 * (redis-batch.ts), and setIfEqualsWithin as a batch's condition alone (the same script).
 */
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { keySlot } from './key-slot.ts';
import { createRedisBatch } from './redis-batch.ts';
import { runScript } from './run-script.ts';
import type { Store } from './store.ts';
import { finiteScore, positiveCount, toTtlSeconds } from './ttl.ts';

/** HSET only when the key already holds a hash: never creates a key. */
const HSET_IF_EXISTS = `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return 0 end
if kind ~= 'hash' then
  return redis.error_reply('WRONGTYPE Operation against a key holding the wrong kind of value')
end
if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return 1
`;

/** SET only when the key holds ARGV[1] (compare-and-set); ARGV[3], when given, is the TTL in seconds. */
const SET_IF_EQUALS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1
`;

/**
 * SUNION counted on the server: the union is stored in KEYS[1] (a scratch key in the same
 * slot), counted and deleted, so no member travels or is copied into Lua.
 */
const UNION_COUNT = `
redis.call('SUNIONSTORE', KEYS[1], unpack(KEYS, 2))
local count = redis.call('SCARD', KEYS[1])
redis.call('DEL', KEYS[1])
return count
`;

interface WithScripts {
  hcHsetIfExists(key: string, ...fieldsAndValues: string[]): Promise<number>;
  hcSetIfEquals(key: string, expected: string, value: string, ...ttl: number[]): Promise<number>;
}

/**
 * Wraps an ioredis client (Redis or Cluster). close() quits that client.
 */
export function createRedisStore(redis: Redis | Cluster): Store {
  redis.defineCommand('hcHsetIfExists', { numberOfKeys: 1, lua: HSET_IF_EXISTS });
  redis.defineCommand('hcSetIfEquals', { numberOfKeys: 1, lua: SET_IF_EQUALS });
  const scripts = redis as unknown as WithScripts;

  return {
    kind: 'redis',
    get: (key) => redis.get(key),
    async set(key, value, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      if (ttl === undefined) await redis.set(key, value);
      else await redis.set(key, value, 'EX', ttl);
    },
    async replace(key, value) {
      return (await redis.set(key, value, 'KEEPTTL', 'XX')) === 'OK';
    },
    async setIfAbsent(key, value, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      const reply = ttl === undefined ? await redis.set(key, value, 'NX') : await redis.set(key, value, 'EX', ttl, 'NX');
      return reply === 'OK';
    },
    async setIfEquals(key, expected, value, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      return (await scripts.hcSetIfEquals(key, expected, value, ...(ttl === undefined ? [] : [ttl]))) === 1;
    },
    // The batch's condition alone: one script call (GET, PTTL, the `also` write, SET), as in a batch.
    async setIfEqualsWithin(key, change, also) {
      return createRedisBatch(redis).setIfEqualsWithin(key, change, also).exec();
    },
    take: (key) => redis.getdel(key),
    async del(...keys) {
      if (keys.length === 0) return 0;
      if (!redis.isCluster) return redis.del(...keys);
      // Cluster rejects a multi-key DEL across slots: one DEL per slot.
      const bySlot = new Map<number, string[]>();
      for (const key of keys) {
        const slot = keySlot(key);
        bySlot.set(slot, [...(bySlot.get(slot) ?? []), key]);
      }
      const counts = await Promise.all([...bySlot.values()].map((group) => redis.del(...group)));
      return counts.reduce((sum, count) => sum + count, 0);
    },
    async hgetall(key) {
      const hash = await redis.hgetall(key);
      return Object.keys(hash).length > 0 ? hash : null;
    },
    async hsetIfExists(key, fields) {
      return (await scripts.hcHsetIfExists(key, ...Object.entries(fields).flat())) === 1;
    },
    smembers: (key) => redis.smembers(key),
    hkeys: (key) => redis.hkeys(key),
    async unionCount(keys) {
      if (keys.length === 0) return 0;
      if (keys.length === 1) return redis.scard(keys[0]!);
      if (redis.isCluster && new Set(keys.map(keySlot)).size > 1) {
        throw new Error(`store unionCount: expected keys in one hash slot on Redis Cluster, got ${keys.length} keys over several slots`);
      }
      const scratch = `${keys[0]}:union:${randomUUID()}`;
      return Number(await runScript(redis, UNION_COUNT, [scratch, ...keys], []));
    },
    async mget(keys) {
      if (keys.length === 0) return [];
      if (redis.isCluster && new Set(keys.map(keySlot)).size > 1) {
        throw new Error(`store mget: expected keys in one hash slot on Redis Cluster, got ${keys.length} keys over several slots`);
      }
      return redis.mget(...keys);
    },
    async hmget(key, fields) {
      return fields.length ? redis.hmget(key, ...fields) : [];
    },
    async pushCapped(key, value, max) {
      // A pipeline, not a MULTI: two commands instead of four. Between the LPUSH and the LTRIM
      // (or if the LTRIM is lost) the list may hold an entry or two beyond `max`, the oldest,
      // until the next push trims it. No reader is hurt by that: the activity page reads the
      // newest entries, a count of recent sends against a limit only errs on the strict side, a
      // notice is a notice whether or not it was about to drop off.
      const replies = await redis
        .pipeline()
        .lpush(key, value)
        .ltrim(key, 0, positiveCount(max) - 1)
        .exec();
      const failure = replies?.find(([error]) => error)?.[0];
      if (failure) throw failure;
    },
    lrange: (key, start, stop) => redis.lrange(key, start, stop),
    async zadd(key, score, member) {
      await redis.zadd(key, finiteScore(score), member);
    },
    zrangeUpTo: (key, max, limit) => redis.zrangebyscore(key, '-inf', max, 'LIMIT', 0, positiveCount(limit)),
    async zrem(key, member) {
      await redis.zrem(key, member);
    },
    ttl: (key) => redis.ttl(key),
    batch: () => createRedisBatch(redis),
    async ping() {
      await redis.ping();
    },
    async close() {
      // QUIT needs the server: during an outage the connection is dropped instead.
      if (redis.status === 'ready') await redis.quit();
      else if (redis.status !== 'end') redis.disconnect();
    },
  };
}
