/**
 * In-memory Store for the embedded default (never production): same behaviour as the
 * Redis store, TTLs checked lazily on every read plus a periodic unref'd sweep.
 */
import { createMemoryBatch } from './memory-batch.ts';
import { MemoryKeyspace } from './memory-keyspace.ts';
import { checkTimedChange, writeTimedChange } from './memory-timed-change.ts';
import type { Store } from './store.ts';
import { checkedTimedAlso, finiteScore, positiveCount, toTtlSeconds } from './ttl.ts';

export interface MemoryStoreOptions {
  /** Clock in epoch milliseconds; tests pass their own to move time. Default Date.now. */
  now?: () => number;
  /** How often expired keys are swept, in milliseconds. Default 60000. */
  sweepIntervalMs?: number;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const keyspace = new MemoryKeyspace(options.now ?? Date.now);
  const sweep = setInterval(() => keyspace.sweep(), options.sweepIntervalMs ?? 60_000);
  sweep.unref();

  return {
    kind: 'memory',
    async get(key) {
      return keyspace.getString(key);
    },
    async set(key, value, ttlSeconds) {
      keyspace.setString(key, value, toTtlSeconds(ttlSeconds));
    },
    async replace(key, value) {
      return keyspace.replaceString(key, value);
    },
    async setIfAbsent(key, value, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      if (keyspace.exists(key)) return false;
      keyspace.setString(key, value, ttl);
      return true;
    },
    async setIfEquals(key, expected, value, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      if (keyspace.getString(key) !== expected) return false;
      keyspace.setString(key, value, ttl);
      return true;
    },
    async setIfEqualsWithin(key, change, unchecked) {
      const also = checkedTimedAlso(unchecked);
      const found = checkTimedChange(keyspace, key, change);
      if (found !== 'met') return found;
      writeTimedChange(keyspace, key, change.value, also);
      return 'set';
    },
    async take(key) {
      const value = keyspace.getString(key);
      if (value !== null) keyspace.delete(key);
      return value;
    },
    async del(...keys) {
      return keys.filter((key) => keyspace.delete(key)).length;
    },
    async hgetall(key) {
      return keyspace.getHash(key);
    },
    async hsetIfExists(key, fields) {
      return keyspace.updateHash(key, fields);
    },
    async smembers(key) {
      return keyspace.getSet(key);
    },
    async hkeys(key) {
      return keyspace.hashFields(key);
    },
    async mget(keys) {
      return keys.map((key) => {
        try {
          return keyspace.getString(key);
        } catch {
          return null; // MGET answers nil for a key of another type
        }
      });
    },
    async hmget(key, fields) {
      const hash = keyspace.getHash(key);
      return fields.map((field) => hash?.[field] ?? null);
    },
    async unionCount(keys) {
      return keyspace.unionSize(keys);
    },
    async pushCapped(key, value, max) {
      keyspace.pushCapped(key, value, positiveCount(max));
    },
    async lrange(key, start, stop) {
      return keyspace.getRange(key, start, stop);
    },
    async zadd(key, score, member) {
      keyspace.zadd(key, finiteScore(score), member);
    },
    async zrangeUpTo(key, max, limit) {
      return keyspace.zrangeUpTo(key, max, positiveCount(limit));
    },
    async zrem(key, member) {
      keyspace.zrem(key, member);
    },
    async ttl(key) {
      return keyspace.ttl(key);
    },
    batch: () => createMemoryBatch(keyspace),
    async ping() {},
    async close() {
      clearInterval(sweep);
      keyspace.clear();
    },
  };
}
