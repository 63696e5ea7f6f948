/**
 * TTL and argument validation shared by both stores: a TTL is a whole number of seconds above zero, so
 * Redis (EX / EXPIRE) and memory agree. Fractions round up; anything else is a caller bug.
 */
import type { SetExpiry, TimedAlso } from './store.ts';

/** Returns the TTL as whole seconds (rounded up), or undefined when none was given. */
export function toTtlSeconds(ttlSeconds: number | undefined): number | undefined {
  if (ttlSeconds === undefined) return undefined;
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`expected a TTL in seconds greater than 0 (or no TTL), got ${String(ttlSeconds)}`);
  }
  return Math.ceil(ttlSeconds);
}

/** sadd's expiry (store.ts SetExpiry), checked: anything but its three names is a caller bug. */
export function checkedSetExpiry(expiry: unknown): SetExpiry {
  if (expiry !== 'extend' && expiry !== 'restart' && expiry !== 'when-added') {
    throw new RangeError(`expected a set expiry of 'when-added', 'extend' or 'restart', got ${String(expiry)}`);
  }
  return expiry;
}

/** A count of entries to keep (pushCapped): a whole number of at least 1. */
export function positiveCount(max: number): number {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`expected a whole number of entries of at least 1, got ${String(max)}`);
  return max;
}

/** A sorted-set score: a finite number. */
export function finiteScore(score: number): number {
  if (typeof score !== 'number' || !Number.isFinite(score)) throw new RangeError(`expected a finite score, got ${String(score)}`);
  return score;
}

/** A counter increment (hincrby): a safe integer. */
export function wholeIncrement(by: number): number {
  if (!Number.isSafeInteger(by)) throw new RangeError(`expected a whole-number increment, got ${String(by)}`);
  return by;
}

/** setIfEqualsWithin's `also`, checked: a hash without fields (which Redis cannot write) is a caller bug. */
export function checkedTimedAlso(also: TimedAlso | undefined): TimedAlso | undefined {
  if (also && 'hash' in also && Object.keys(also.hash).length === 0) {
    throw new TypeError(`setIfEqualsWithin: a hash needs fields, none given for ${also.key}`);
  }
  return also;
}
