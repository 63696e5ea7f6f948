/**
 * What the gateway keeps in Redis, by kind of key: every key under the prefix is counted
 * (SCAN), and `MEMORY USAGE` is read for up to `sample` keys of each kind (all of them for
 * kinds with few keys), the rest extrapolated from their average (redisFootprint); or read
 * for every key, by kinds the caller names (keyUsage: the audit and pilot benches).
 *
 * Kinds come from the key's name (src/store/key-names.ts): `<prefix>{<tag>}:<name>`, kind =
 * the tag's head (a model name, `g`, `i`, `a`, …) and the name, e.g. `Session`,
 * `g:Grant`, `g:token-index`, `su:assurance`, `RefreshToken` (a model record's `:json` layout suffix is not part of its kind,
 * and a code's or refresh token's use mark, `:used`, counts with it).
 */
import type { Redis } from 'ioredis';

export interface KindFootprint {
  keys: number;
  bytes: number;
}

export interface Footprint {
  /** INFO memory used_memory (everything Redis holds, allocator overhead included). */
  usedMemory: number;
  kinds: Record<string, KindFootprint>;
}

export function kindOf(key: string, prefix: string): string {
  const rest = key.slice(prefix.length);
  const match = /^\{([^:}]+)[^}]*\}:?(.*)$/.exec(rest);
  if (!match) return rest.split(':')[0] ?? rest;
  const [, head, fullName] = match;
  // A record as JSON text (`…:Session:json`) is the same kind as its hash layout was; a use mark (`…:RefreshToken:used`) counts with its record.
  const name = fullName?.replace(/:(json|used)$/, '');
  if (!name || name === head) return head!;
  return `${head}:${name.split(':')[0]}`;
}

/** The keys under the prefix, a SCAN batch at a time. */
async function* keysUnder(redis: Redis, prefix: string): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2000);
    cursor = next;
    yield keys;
  } while (cursor !== '0');
}

export async function redisFootprint(redis: Redis, prefix: string, sample = 300): Promise<Footprint> {
  const byKind = new Map<string, string[]>();
  for await (const keys of keysUnder(redis, prefix)) {
    for (const key of keys) {
      const kind = kindOf(key, prefix);
      let list = byKind.get(kind);
      if (!list) byKind.set(kind, (list = []));
      list.push(key);
    }
  }

  const kinds: Record<string, KindFootprint> = {};
  for (const [kind, keys] of [...byKind].sort()) {
    const step = Math.max(1, Math.floor(keys.length / sample));
    const measured = keys.filter((_, i) => i % step === 0).slice(0, sample);
    const pipeline = redis.pipeline();
    for (const key of measured) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
    const sizes = ((await pipeline.exec()) ?? []).map(([, size]) => Number(size ?? 0));
    const average = sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length);
    kinds[kind] = { keys: keys.length, bytes: Math.round(average * keys.length) };
  }
  return { usedMemory: await usedMemory(redis), kinds };
}

/** INFO memory used_memory in bytes: everything Redis holds, allocator overhead included. */
export async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? Number.NaN);
}

export interface KeyUsage extends KindFootprint {
  byKind: Map<string, KindFootprint>;
}

/**
 * Every key under the prefix with its MEMORY USAGE (all nested values counted, nothing
 * extrapolated), in all and by the kind `kind` names from the key less the prefix.
 */
export async function keyUsage(redis: Redis, prefix: string, kind: (rest: string) => string): Promise<KeyUsage> {
  const usage: KeyUsage = { keys: 0, bytes: 0, byKind: new Map() };
  for await (const keys of keysUnder(redis, prefix)) {
    const sizes = await Promise.all(keys.map((key) => redis.memory('USAGE', key, 'SAMPLES', 0)));
    keys.forEach((key, i) => {
      const bytes = Number(sizes[i] ?? 0);
      const name = kind(key.slice(prefix.length));
      const row = usage.byKind.get(name) ?? { keys: 0, bytes: 0 };
      row.keys += 1;
      row.bytes += bytes;
      usage.byKind.set(name, row);
      usage.keys += 1;
      usage.bytes += bytes;
    });
  }
  return usage;
}
