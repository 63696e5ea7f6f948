/**
 * The in-memory keyspace behind memory-store.ts: strings, hashes, sets and lists with Redis
 * semantics (WRONGTYPE errors, empty hashes/sets vanish, lazy expiry on access, TTL rounding).
 */

type Entry =
  | { type: 'string'; value: string; expiresAt?: number }
  | { type: 'hash'; value: Map<string, string>; expiresAt?: number }
  | { type: 'set'; value: Set<string>; expiresAt?: number }
  | { type: 'list'; value: string[]; expiresAt?: number }
  | { type: 'zset'; value: Map<string, number>; expiresAt?: number };

type EntryOf<T extends Entry['type']> = Extract<Entry, { type: T }>;

/** Same error text as Redis, plus what was expected and what the key held. */
export class WrongTypeError extends Error {
  constructor(key: string, expected: string, actual: string) {
    super(`WRONGTYPE Operation against a key holding the wrong kind of value (${key}: expected a ${expected}, got a ${actual})`);
    this.name = 'WrongTypeError';
  }
}

export class MemoryKeyspace {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  #expiresAt(ttl: number | undefined): number | undefined {
    return ttl === undefined ? undefined : this.#now() + ttl * 1000;
  }

  /** The live entry, deleting it first when expired (Redis: expired once now > expiresAt). */
  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry?.expiresAt !== undefined && this.#now() > entry.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #typed<T extends Entry['type']>(key: string, type: T): EntryOf<T> | undefined {
    const entry = this.#live(key);
    if (entry && entry.type !== type) throw new WrongTypeError(key, type, entry.type);
    return entry as EntryOf<T> | undefined;
  }

  exists(key: string): boolean {
    return this.#live(key) !== undefined;
  }

  getString(key: string): string | null {
    return this.#typed(key, 'string')?.value ?? null;
  }

  setString(key: string, value: string, ttl: number | undefined): void {
    this.#entries.set(key, { type: 'string', value, expiresAt: this.#expiresAt(ttl) });
  }

  /** SET XX KEEPTTL: replaces the value of an existing key (of any type, which becomes a string), keeping its expiry; false when absent. */
  replaceString(key: string, value: string): boolean {
    const entry = this.#live(key);
    if (!entry) return false;
    this.#entries.set(key, { type: 'string', value, expiresAt: entry.expiresAt });
    return true;
  }

  getHash(key: string): Record<string, string> | null {
    const entry = this.#typed(key, 'hash');
    return entry ? Object.fromEntries(entry.value) : null;
  }

  /** Replaces the key with a hash of these fields (no fields = the key is deleted). */
  replaceHash(key: string, fields: Record<string, string>, ttl: number | undefined): void {
    this.#entries.delete(key);
    const value = new Map(Object.entries(fields));
    if (value.size > 0) this.#entries.set(key, { type: 'hash', value, expiresAt: this.#expiresAt(ttl) });
  }

  /** Sets fields only when the hash exists; true when it did. */
  updateHash(key: string, fields: Record<string, string>): boolean {
    const entry = this.#typed(key, 'hash');
    if (!entry) return false;
    for (const [field, value] of Object.entries(fields)) entry.value.set(field, value);
    return true;
  }

  /** HSET: creates the hash when absent; how many of the fields were not in it yet. */
  setHashFields(key: string, fields: Record<string, string>): number {
    const entry = this.#typed(key, 'hash');
    const hash = entry?.value ?? new Map<string, string>();
    const before = hash.size;
    for (const [field, value] of Object.entries(fields)) hash.set(field, value);
    if (!entry) this.#entries.set(key, { type: 'hash', value: hash });
    return hash.size - before;
  }

  /** HDEL: a hash left without fields is gone. */
  removeHashFields(key: string, fields: string[]): void {
    const entry = this.#typed(key, 'hash');
    if (!entry) return;
    for (const field of fields) entry.value.delete(field);
    if (entry.value.size === 0) this.#entries.delete(key);
  }

  /** HKEYS (empty for an absent hash). */
  hashFields(key: string): string[] {
    return [...(this.#typed(key, 'hash')?.value.keys() ?? [])];
  }

  /** HINCRBY: the field is read as an integer (absent = 0); a non-integer value is refused like Redis does. */
  incrementHashField(key: string, field: string, by: number): number {
    const entry = this.#typed(key, 'hash');
    const current = entry?.value.get(field) ?? '0';
    if (!/^-?\d+$/.test(current)) throw new Error(`ERR hash value is not an integer (${key} ${field})`);
    const next = Number(current) + by;
    if (entry) entry.value.set(field, String(next));
    else this.#entries.set(key, { type: 'hash', value: new Map([[field, String(next)]]) });
    return next;
  }

  /** SUNION's cardinality (absent sets are empty). */
  unionSize(keys: string[]): number {
    const union = new Set<string>();
    for (const key of keys) for (const member of this.#typed(key, 'set')?.value ?? []) union.add(member);
    return union.size;
  }

  /** SUNIONSTORE: dest becomes the union (WRONGTYPE for a source that is not a set; gone when empty). */
  storeUnion(dest: string, sources: string[]): void {
    const union = new Set<string>();
    for (const key of sources) for (const member of this.#typed(key, 'set')?.value ?? []) union.add(member);
    this.#entries.delete(dest);
    if (union.size > 0) this.#entries.set(dest, { type: 'set', value: union });
  }

  getSet(key: string): string[] {
    return [...(this.#typed(key, 'set')?.value ?? [])];
  }

  /** SADD: how many of the members were not in the set yet. */
  addToSet(key: string, members: string[]): number {
    const entry = this.#typed(key, 'set');
    if (!entry) {
      const value = new Set(members);
      this.#entries.set(key, { type: 'set', value });
      return value.size;
    }
    const before = entry.value.size;
    for (const member of members) entry.value.add(member);
    return entry.value.size - before;
  }

  removeFromSet(key: string, members: string[]): void {
    const entry = this.#typed(key, 'set');
    if (!entry) return;
    for (const member of members) entry.value.delete(member);
    if (entry.value.size === 0) this.#entries.delete(key);
  }

  /** LPUSH then LTRIM 0 max-1. */
  pushCapped(key: string, value: string, max: number): void {
    const entry = this.#typed(key, 'list');
    if (entry) entry.value = [value, ...entry.value].slice(0, max);
    else this.#entries.set(key, { type: 'list', value: [value].slice(0, max) });
  }

  /** LRANGE with Redis index rules (negative = from the end, stop inclusive). */
  getRange(key: string, start: number, stop: number): string[] {
    const list = this.#typed(key, 'list')?.value ?? [];
    const from = start < 0 ? Math.max(list.length + start, 0) : start;
    const to = stop < 0 ? list.length + stop : Math.min(stop, list.length - 1);
    return to < from ? [] : list.slice(from, to + 1);
  }

  /** ZADD (replaces the member's score). */
  zadd(key: string, score: number, member: string): void {
    const entry = this.#typed(key, 'zset');
    if (entry) entry.value.set(member, score);
    else this.#entries.set(key, { type: 'zset', value: new Map([[member, score]]) });
  }

  /** ZRANGE BYSCORE -inf max LIMIT 0 limit (ties ordered by member, as Redis does). */
  zrangeUpTo(key: string, max: number, limit: number): string[] {
    const entry = this.#typed(key, 'zset');
    if (!entry) return [];
    return [...entry.value]
      .filter(([, score]) => score <= max)
      .sort(([a, sa], [b, sb]) => sa - sb || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([member]) => member);
  }

  zrem(key: string, member: string): void {
    const entry = this.#typed(key, 'zset');
    if (!entry) return;
    entry.value.delete(member);
    if (entry.value.size === 0) this.#entries.delete(key);
  }

  /** EXPIRE NX then EXPIRE GT: give a TTL to a key without one, else only lengthen it. */
  extendExpiry(key: string, ttl: number): void {
    const entry = this.#live(key);
    if (!entry) return;
    const expiresAt = this.#now() + ttl * 1000;
    if (entry.expiresAt === undefined || expiresAt > entry.expiresAt) entry.expiresAt = expiresAt;
  }

  /** Plain EXPIRE: the key (when it exists) now expires `ttl` seconds from now, sooner or later than before. */
  restartExpiry(key: string, ttl: number): void {
    const entry = this.#live(key);
    if (entry) entry.expiresAt = this.#now() + ttl * 1000;
  }

  delete(key: string): boolean {
    const existed = this.exists(key);
    this.#entries.delete(key);
    return existed;
  }

  /** Redis PTTL: -2 absent, -1 no TTL, else milliseconds left. */
  pttl(key: string): number {
    const entry = this.#live(key);
    if (!entry) return -2;
    return entry.expiresAt === undefined ? -1 : entry.expiresAt - this.#now();
  }

  /** Redis TTL: -2 absent, -1 no TTL, else seconds rounded to the nearest. */
  ttl(key: string): number {
    const entry = this.#live(key);
    if (!entry) return -2;
    if (entry.expiresAt === undefined) return -1;
    return Math.floor((entry.expiresAt - this.#now() + 500) / 1000);
  }

  /** Drops every expired entry (the periodic sweep). */
  sweep(): void {
    for (const key of this.#entries.keys()) this.#live(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
