/**
 * Store.setIfEqualsWithin on the in-memory keyspace, in its two halves: the check, which reads
 * only, and the writes, made when it is met. The store runs both at once; a batch checks its
 * condition before any of its writes and makes the condition's writes last
 * (StoreBatch.setIfEqualsWithin, memory-batch.ts).
 */
import type { MemoryKeyspace } from './memory-keyspace.ts';
import type { TimedAlso, TimedChange, TimedOutcome } from './store.ts';
import { toTtlSeconds } from './ttl.ts';

/** 'met' when `key` holds `expected`, written at most `withinMs` ago; else what setIfEqualsWithin answers without writing. */
export function checkTimedChange(keyspace: MemoryKeyspace, key: string, { expected, value, ttlSeconds, withinMs }: TimedChange): TimedOutcome | 'met' {
  const current = keyspace.getString(key);
  if (current === value) return 'set';
  if (current !== expected) return 'changed';
  const ttl = toTtlSeconds(ttlSeconds);
  const left = keyspace.pttl(key);
  if (ttl !== undefined && left >= 0 && ttl * 1000 - left > withinMs) return 'late';
  return 'met';
}

/** `also` (checkedTimedAlso), then `key` set to `value`, keeping its TTL. */
export function writeTimedChange(keyspace: MemoryKeyspace, key: string, value: string, also: TimedAlso | undefined): void {
  if (also && 'hash' in also) keyspace.replaceHash(also.key, also.hash, undefined);
  else if (also) keyspace.replaceString(also.key, also.value);
  keyspace.replaceString(key, value);
}
