/**
 * The few storage primitives the gateway needs, implemented over Redis (redis-store.ts)
 * and in memory (memory-store.ts) with the same behaviour. Every module that keeps state
 * (the oidc-provider adapter, accounts, ceremony state) goes through this interface, so
 * one contract test suite proves both implementations.
 *
 * Keys are full keys, already prefixed and hash-tagged by key-names.ts. TTLs are in seconds;
 * no TTL means the key lives until deleted.
 */
export interface Store {
  /** A string value, or null when absent or expired. */
  get(key: string): Promise<string | null>;
  /** Sets a string value, replacing any previous one, with an optional TTL. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** Replaces the value of a key only when it exists, keeping its TTL (SET XX KEEPTTL): never creates a key; true when it existed. */
  replace(key: string, value: string): Promise<boolean>;
  /** Sets only when the key does not exist; true when it was set. */
  setIfAbsent(key: string, value: string, ttlSeconds?: number): Promise<boolean>;
  /** Sets (with the TTL, or none) only when the key holds exactly `expected`: compare-and-set; true when it was set. */
  setIfEquals(key: string, expected: string, value: string, ttlSeconds?: number): Promise<boolean>;
  /**
   * Compare-and-set that only a prompt writer wins, timed by the store's own clock: when `key`
   * holds `expected` and was written (with `ttlSeconds`) at most `withinMs` ago — its TTL left
   * tells — it is set to `value`, keeping its TTL, after `also` (a key of the same hash slot) is
   * written (TimedAlso). 'set' also when it holds `value` already (the same write sent twice:
   * `also` is not written again); 'late' when it holds `expected` but was written longer ago;
   * 'changed' when it holds anything else or is gone. A key written without a TTL has no age to
   * tell: never 'late'.
   */
  setIfEqualsWithin(key: string, change: TimedChange, also?: TimedAlso): Promise<TimedOutcome>;
  /** Reads and deletes atomically (single-use values such as ceremony state). */
  take(key: string): Promise<string | null>;
  /** Deletes keys; returns how many existed. */
  del(...keys: string[]): Promise<number>;
  /** All fields of a hash, or null when the key is absent or expired. */
  hgetall(key: string): Promise<Record<string, string> | null>;
  /** String values of several keys in one command, in the order asked (null when absent). On Cluster the keys must share a hash slot. */
  mget(keys: string[]): Promise<(string | null)[]>;
  /** Some fields of a hash, in the order asked (null for an absent field or hash). */
  hmget(key: string, fields: string[]): Promise<(string | null)[]>;
  /** Sets fields of a hash only when the hash exists; true when it existed. */
  hsetIfExists(key: string, fields: Record<string, string>): Promise<boolean>;
  /** Members of a set (empty when absent). */
  smembers(key: string): Promise<string[]>;
  /** Field names of a hash (empty when absent). */
  hkeys(key: string): Promise<string[]>;
  /**
   * How many distinct members the union of these sets has (0 for absent sets). On Cluster the
   * keys must share a hash slot (key-names.ts tags the pilot aggregates alike).
   */
  unionCount(keys: string[]): Promise<number>;
  /** Pushes a value at the head of a list and keeps only its `max` newest entries (LPUSH then LTRIM, sent together). */
  pushCapped(key: string, value: string, max: number): Promise<void>;
  /** Entries of a list, newest first, from `start` to `stop` inclusive (-1 = last). */
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  /** Adds or moves a member of a sorted set to `score`. */
  zadd(key: string, score: number, member: string): Promise<void>;
  /** Members with a score at most `max`, lowest first, at most `limit` of them. */
  zrangeUpTo(key: string, max: number, limit: number): Promise<string[]>;
  /** Removes a member of a sorted set. */
  zrem(key: string, member: string): Promise<void>;
  /** Remaining TTL in seconds; -1 = no TTL, -2 = absent. */
  ttl(key: string): Promise<number>;
  /**
   * A group of writes sent together and applied with nothing in between (one Lua script
   * call on Redis; one per hash slot on Cluster). No rollback: a command that fails while
   * running leaves the others applied and exec() rejects with a BatchError naming it.
   */
  batch(): StoreBatch;
  /** Health probe: resolves when the backend answers. */
  ping(): Promise<void>;
  /** Closes connections (no-op in memory). */
  close(): Promise<void>;
  /** 'redis' or 'memory', for logs and /readyz. */
  readonly kind: 'redis' | 'memory';
}

/**
 * What Store.setIfEqualsWithin writes with its key, first: `value` replaces the string `key` only
 * where it exists (SET XX KEEPTTL); `hash` replaces `key`, absent or not, by a hash of these
 * fields, without a TTL (DEL then HSET).
 */
export type TimedAlso = { key: string; value: string } | { key: string; hash: Record<string, string> };

/** What Store.setIfEqualsWithin (StoreBatch.setIfEqualsWithin) found and did. */
export type TimedOutcome = 'set' | 'late' | 'changed';

/** What Store.setIfEqualsWithin compares and sets, and how old the key may be. */
export interface TimedChange {
  expected: string;
  value: string;
  /** The TTL `expected` was written with (its age is this less the TTL left); undefined for none. */
  ttlSeconds: number | undefined;
  withinMs: number;
}

/**
 * What the TTL of sadd (hset) does to a set (hash) that already has an expiry; "member" below is
 * a hash's field too. 'extend' (the default) only ever
 * lengthens it, so that a set written with different TTLs keeps the longest: on Redis two
 * commands, EXPIRE NX (a set without a TTL gets one) then EXPIRE GT. 'restart' sets it to the
 * TTL from now, one plain EXPIRE: the same as 'extend' where every write of the set gives the
 * same TTL, since now + ttl is then never earlier than an earlier write's now + ttl, and it
 * may shorten the expiry otherwise. 'when-added' is 'restart' sent only when this SADD added
 * a member (on Redis the batch's script skips the EXPIRE otherwise): no command at all for a
 * write that adds nothing new. Right where every write of the set gives the same TTL and none
 * adds without one: a set then only comes to exist through a write that adds, so it always
 * has a TTL — also when another instance created it, or when Redis lost it and a later write
 * creates it again; a write that adds nothing leaves the expiry where the last adding write
 * put it. The caller says which, since only it knows its TTLs.
 */
export type SetExpiry = 'extend' | 'restart' | 'when-added';

export interface StoreBatch {
  set(key: string, value: string, ttlSeconds?: number): StoreBatch;
  /** Replaces the whole hash with these fields. */
  hsetAll(key: string, fields: Record<string, string>, ttlSeconds?: number): StoreBatch;
  /**
   * Adds members to a set; with a TTL, the set's expiry then follows `expiry` (SetExpiry):
   * by default it is extended to at least that long, never shortened.
   */
  sadd(key: string, members: string[], ttlSeconds?: number, expiry?: SetExpiry): StoreBatch;
  srem(key: string, members: string[]): StoreBatch;
  /**
   * Sets fields of a hash, creating it when absent; with a TTL, the hash's expiry then follows
   * `expiry` as sadd's does (SetExpiry; 'when-added': when a field was not there yet).
   */
  hset(key: string, fields: Record<string, string>, ttlSeconds?: number, expiry?: SetExpiry): StoreBatch;
  /** Removes fields of a hash (a hash left without fields is gone). */
  hdel(key: string, fields: string[]): StoreBatch;
  /**
   * Replaces the set `dest` with the union of the sets `sources` (SUNIONSTORE: none when the union
   * is empty; absent sources count as empty), living `ttlSeconds`: one write, so that the copy
   * never exists without its TTL. On Cluster the sources must share dest's hash slot.
   */
  unionStore(dest: string, sources: string[], ttlSeconds: number): StoreBatch;
  /** Adds `by` (an integer) to a hash field, creating the hash or field at 0 first (HINCRBY). */
  hincrby(key: string, field: string, by: number): StoreBatch;
  /**
   * Replaces part `index` of a text of parts (text-parts.ts), keeping the others as they are at
   * that moment, whoever wrote them: one write, so that two writers of one key never undo each
   * other. The key's expiry is extended to `ttlSeconds` from now, never shortened ('extend'),
   * so that it outlives what each writer keeps in it. A text left without parts is deleted.
   * Parts of one key queued one right after the other are applied together (on Redis, one read
   * and one write of the key).
   */
  setPart(key: string, index: number, value: string, ttlSeconds: number): StoreBatch;
  del(...keys: string[]): StoreBatch;
  /** Adds `member` to a sorted set with `score`, or moves it there (Store.zadd). */
  zadd(key: string, score: number, member: string): StoreBatch;
  /**
   * Store.setIfEqualsWithin as the batch's condition, queued last, at most one per batch: the write that makes
   * the rest count (a code's or refresh token's spend, with the tokens it bought). Where the
   * batch is one atomic step (one Redis node, the memory store) it is checked before anything is
   * written: refused ('late', 'changed') or already set (the same batch sent twice), nothing at
   * all is written; met, every write applies and it is written last. On Redis Cluster, whose
   * hash slots are written one after the other, its slot is written last, as a write of its own
   * after the batch would be. Either way it is not written when another write of the batch
   * failed (BatchError): what it makes count was not all saved.
   */
  setIfEqualsWithin(key: string, change: TimedChange, also?: TimedAlso): StoreBatch;
  /** Applies every queued write together (see Store.batch); resolves with the outcome of its setIfEqualsWithin, 'set' when it has none. */
  exec(): Promise<TimedOutcome>;
}
