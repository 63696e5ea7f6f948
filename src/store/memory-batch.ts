/**
 * StoreBatch over the in-memory keyspace, with the same semantics as a Redis batch
 * (see redis-batch.ts): nothing applies before exec(), then every write applies at once;
 * a write failing with WRONGTYPE does not undo the others and exec() rejects with BatchError.
 * A condition (setIfEqualsWithin) is checked before any write, and written last, when every
 * other write applied.
 */
import { BatchError, type BatchFailure } from './batch-error.ts';
import type { MemoryKeyspace } from './memory-keyspace.ts';
import { checkTimedChange, writeTimedChange } from './memory-timed-change.ts';
import type { SetExpiry, StoreBatch, TimedAlso, TimedChange } from './store.ts';
import { checkedPart, withTextPart } from './text-parts.ts';
import { checkedSetExpiry, checkedTimedAlso, finiteScore, toTtlSeconds, wholeIncrement } from './ttl.ts';

interface QueuedWrite {
  command: string;
  key: string;
  apply(): void;
}

export function createMemoryBatch(keyspace: MemoryKeyspace): StoreBatch {
  const queue: QueuedWrite[] = [];
  let executed = false;
  let condition: { key: string; change: TimedChange; also: TimedAlso | undefined } | undefined;
  const push = (command: string, key: string, apply: () => void) => {
    if (executed) throw new Error('store batch: expected a new batch, got one that was already executed');
    if (condition) throw new Error(`store batch: expected setIfEqualsWithin queued last, got ${command} ${key} after it`);
    queue.push({ command, key, apply });
  };

  /**
   * A write that adds `count` members (fields), then the key's expiry as SetExpiry says: queued
   * separately, like the EXPIRE commands on Redis (they run even if the write failed, except
   * 'when-added', which runs only when it added one). Nothing to add, nothing queued (the TTL
   * and expiry still checked).
   */
  const addWithExpiry = (command: string, key: string, count: number, add: () => number, ttlSeconds: number | undefined, expiry: SetExpiry) => {
    const ttl = toTtlSeconds(ttlSeconds);
    const mode = checkedSetExpiry(expiry);
    if (count === 0) return;
    let added = 0;
    push(command, key, () => (added = add()));
    if (ttl === undefined) return;
    if (mode === 'extend') push('EXPIRE', key, () => keyspace.extendExpiry(key, ttl));
    else if (mode === 'restart') push('EXPIRE', key, () => keyspace.restartExpiry(key, ttl));
    else
      push('EXPIRE', key, () => {
        if (added > 0) keyspace.restartExpiry(key, ttl);
      });
  };

  const batch: StoreBatch = {
    set(key, value, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      push('SET', key, () => keyspace.setString(key, value, ttl));
      return batch;
    },
    hsetAll(key, fields, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      const copy = { ...fields };
      push('HSET', key, () => keyspace.replaceHash(key, copy, ttl));
      return batch;
    },
    sadd(key, members, ttlSeconds, expiry = 'extend') {
      const copy = [...members];
      addWithExpiry('SADD', key, copy.length, () => keyspace.addToSet(key, copy), ttlSeconds, expiry);
      return batch;
    },
    hset(key, fields, ttlSeconds, expiry = 'extend') {
      const copy = { ...fields };
      addWithExpiry('HSET', key, Object.keys(copy).length, () => keyspace.setHashFields(key, copy), ttlSeconds, expiry);
      return batch;
    },
    hdel(key, fields) {
      const copy = [...fields];
      if (copy.length > 0) push('HDEL', key, () => keyspace.removeHashFields(key, copy));
      return batch;
    },
    unionStore(dest, sources, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      if (ttl === undefined) throw new RangeError('store batch unionStore: expected a TTL, got none');
      const copy = [...sources];
      push('SUNIONSTORE', dest, () => keyspace.storeUnion(dest, copy));
      push('EXPIRE', dest, () => keyspace.restartExpiry(dest, ttl));
      return batch;
    },
    srem(key, members) {
      const copy = [...members];
      if (copy.length > 0) push('SREM', key, () => keyspace.removeFromSet(key, copy));
      return batch;
    },
    hincrby(key, field, by) {
      const increment = wholeIncrement(by);
      push('HINCRBY', key, () => keyspace.incrementHashField(key, field, increment));
      return batch;
    },
    setPart(key, index, value, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      if (ttl === undefined) throw new RangeError('store batch setPart: expected a TTL, got none');
      checkedPart(index, value);
      push('SETPART', key, () => {
        const text = withTextPart(keyspace.getString(key), index, value);
        if (text === '') return void keyspace.delete(key);
        if (!keyspace.replaceString(key, text)) keyspace.setString(key, text, undefined);
        keyspace.extendExpiry(key, ttl);
      });
      return batch;
    },
    del(...keys) {
      for (const key of keys) push('DEL', key, () => keyspace.delete(key));
      return batch;
    },
    zadd(key, score, member) {
      const checked = finiteScore(score);
      push('ZADD', key, () => keyspace.zadd(key, checked, member));
      return batch;
    },
    setIfEqualsWithin(key, change, also) {
      if (executed) throw new Error('store batch: expected a new batch, got one that was already executed');
      if (condition) throw new Error(`store batch setIfEqualsWithin: expected one condition per batch, got a second one (${key} after ${condition.key})`);
      toTtlSeconds(change.ttlSeconds);
      condition = { key, change: { ...change }, also: checkedTimedAlso(also) };
      return batch;
    },
    async exec() {
      if (executed) throw new Error('store batch: expected exec() once, got a second call');
      executed = true;
      if (condition) {
        const found = checkTimedChange(keyspace, condition.key, condition.change);
        if (found !== 'met') return found;
      }
      const failures: BatchFailure[] = [];
      for (const write of queue) {
        try {
          write.apply();
        } catch (error) {
          failures.push({ command: write.command, key: write.key, message: (error as Error).message });
        }
      }
      const count = queue.length + (condition ? 1 : 0);
      if (failures.length > 0) throw new BatchError(failures, count);
      if (condition) writeTimedChange(keyspace, condition.key, condition.change.value, condition.also);
      return 'set';
    },
  };
  return batch;
}
