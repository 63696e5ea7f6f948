/**
 * Building the audit search index of events the append script did not index: a trail
 * recorded before this version, or events written during a rolling upgrade by instances
 * still on the previous one. Idempotent and safe while gateways write; one run at a time
 * (the caller holds the retention lock).
 *
 * - Back-fill: from the position where the index starts (`since`) back to the oldest kept
 *   event, a chunk at a time, newest first. Each chunk's entries go in front of the keys'
 *   entries and `since` moves back in the same script, which first checks that `since` and the
 *   generation are those read: an interrupted run resumes where it stopped, nothing twice.
 * - Check: the `all` entries between the oldest and the newest event must be as many as the
 *   stream holds (XLEN, read with the newest id in one script).
 * - Rebuild (when the check fails, or asked): a new generation: writers switch to it at once
 *   (their script checks the generation), it is back-filled, then the old one is deleted.
 */
import type { Cluster, Redis } from 'ioredis';
import type { KeyNames } from '../store/key-names.ts';
import { entryTime } from './append-script.ts';
import { auditIndexKeys, generationOf, monthOf, type AuditIndexKeys } from './index-keys.ts';
import { comparePositions, decodeEntries, encodeEntry, parsePosition, type AuditPosition } from './positions.ts';
import { indexTermsOf, type IndexField } from './search.ts';
import { tryParse, type StreamEntry } from './stream-entry.ts';

type Client = Redis | Cluster;

export interface ReindexOptions {
  /** Stream entries indexed per script call (default 2,000). */
  chunk?: number;
  /** Start a new generation even when the index checks out (`npm run audit -- reindex --rebuild`). */
  rebuild?: boolean;
  /** Told after each chunk (events indexed so far in this run). */
  onProgress?: (indexed: number) => void | Promise<void>;
  /** Stops between chunks (gateway shutdown); a later run resumes. */
  signal?: AbortSignal;
}

export interface IndexCheck {
  /** Events in the stream (XLEN). */
  events: number;
  /** Events the current generation indexes, among them. */
  indexed: number;
  /** Where the index starts (undefined: nothing indexed yet). */
  indexedFrom: AuditPosition | undefined;
  /** The oldest kept event's position (undefined: empty stream). */
  oldest: AuditPosition | undefined;
  generation: number;
  /** Every kept event indexed exactly once. */
  ok: boolean;
}

export interface ReindexResult {
  /** Entries back-filled by this run (the rebuild's included). */
  indexed: number;
  /** The generation a rebuild started, when one ran. */
  rebuilt?: { from: number; to: number; reason: 'asked' | 'check-failed' };
  /** The check after the run. */
  check: IndexCheck;
  /** True when stopped by the signal before the end. */
  aborted: boolean;
}

// KEYS: 1 generation, 2 since, 3 months, 4..3+R the month registries, then index keys.
// ARGV: 1 expected generation, 2 expected since ('' = none), 3 new since, 4 R, 5..4+R months,
//       then per index key: its KEYS number, its registry's KEYS number, the entries to put in front.
const BACKFILL_SCRIPT = `
local gen = redis.call('GET', KEYS[1])
if not gen then gen = '1' end
if gen ~= ARGV[1] then return 0 end
local since = redis.call('GET', KEYS[2])
if not since then since = '' end
if since ~= ARGV[2] then return 0 end
local r = tonumber(ARGV[4])
for i = 5 + r, #ARGV, 3 do
  local key = KEYS[tonumber(ARGV[i])]
  local old = redis.call('GET', key)
  if old then
    redis.call('SET', key, ARGV[i + 2] .. old)
  else
    redis.call('SET', key, ARGV[i + 2])
    local registry = tonumber(ARGV[i + 1])
    redis.call('SADD', KEYS[registry], key)
    redis.call('SADD', KEYS[3], ARGV[registry + 1])
  end
end
redis.call('SET', KEYS[2], ARGV[3])
return 1
`;

// KEYS: 1 generation. ARGV: expected generation. Moves to the next one; 0 when it moved already.
const NEXT_GENERATION_SCRIPT = `
local gen = redis.call('GET', KEYS[1])
if not gen then gen = '1' end
if gen ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], tostring(tonumber(gen) + 1))
return 1
`;

// KEYS: 1 stream. The length and the oldest and newest ids, read together.
const BOUNDS_SCRIPT = `
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
return {redis.call('XLEN', KEYS[1]), first[1] and first[1][1] or '', last[1] and last[1][1] or ''}
`;

/** Back-fills, checks and, when the check fails or it is asked, rebuilds the index. */
export async function reindexAuditTrail(redis: Client, keyNames: KeyNames, options: ReindexOptions = {}): Promise<ReindexResult> {
  const ix = auditIndexKeys(keyNames);
  const streamKey = keyNames.custom('audit', 'stream');
  let indexed = await backfill(redis, ix, streamKey, options, 0);
  if (options.signal?.aborted) return { indexed, check: await checkIndex(redis, keyNames), aborted: true };
  let check = await checkIndex(redis, keyNames);
  let rebuilt: ReindexResult['rebuilt'];
  if (options.rebuild || !check.ok) {
    const from = check.generation;
    if (Number(await redis.eval(NEXT_GENERATION_SCRIPT, 1, ix.genKey, String(from))) === 1) {
      rebuilt = { from, to: from + 1, reason: options.rebuild ? 'asked' : 'check-failed' };
    }
    indexed = await backfill(redis, ix, streamKey, options, indexed);
    if (options.signal?.aborted) return { indexed, ...(rebuilt ? { rebuilt } : {}), check: await checkIndex(redis, keyNames), aborted: true };
    if (rebuilt) await deleteGeneration(redis, ix, from);
    check = await checkIndex(redis, keyNames);
  }
  return { indexed, ...(rebuilt ? { rebuilt } : {}), check, aborted: false };
}

/** Counts what the current generation indexes against what the stream holds. Writes nothing. */
export async function checkIndex(redis: Client, keyNames: KeyNames): Promise<IndexCheck> {
  const ix = auditIndexKeys(keyNames);
  const [events, first, last] = (await redis.eval(BOUNDS_SCRIPT, 1, keyNames.custom('audit', 'stream'))) as [number, string, string];
  const gen = generationOf(await redis.get(ix.genKey));
  const [since, months] = await Promise.all([redis.get(ix.since(gen)), redis.smembers(ix.months(gen))]);
  const base = { events, indexedFrom: since ?? undefined, oldest: first || undefined, generation: gen };
  if (!first || !last) return { ...base, indexed: 0, ok: true };
  const lowest = parsePosition(first);
  const highest = parsePosition(last);
  let indexed = 0;
  for (const month of months.sort()) {
    const value = await redis.getBuffer(ix.term(gen, 'all', '', month));
    if (value) indexed += decodeEntries([value], { lowest, highest }).length;
  }
  const covered = since !== null && comparePositions(parsePosition(since), lowest) <= 0;
  return { ...base, indexed, ok: covered && indexed === events };
}

async function backfill(redis: Client, ix: AuditIndexKeys, streamKey: string, options: ReindexOptions, done: number): Promise<number> {
  const chunk = options.chunk ?? 2000;
  let indexed = done;
  for (;;) {
    if (options.signal?.aborted) return indexed;
    const gen = generationOf(await redis.get(ix.genKey));
    const since = await redis.get(ix.since(gen));
    const [oldest] = (await redis.xrange(streamKey, '-', '+', 'COUNT', 1)) as StreamEntry[];
    if (!oldest) return indexed;
    if (since !== null && comparePositions(parsePosition(since), parsePosition(oldest[0])) <= 0) return indexed;
    // Newest first: the chunk just before `since` (or the newest events when nothing is indexed).
    const entries = (await redis.xrevrange(streamKey, since === null ? '+' : `(${since}`, '-', 'COUNT', chunk)) as StreamEntry[];
    if (!entries.length) return indexed;
    const call = backfillCall(ix, gen, since, [...entries].reverse());
    if (Number(await redis.eval(BACKFILL_SCRIPT, call.keys.length, ...call.keys, ...call.args)) === 1) {
      indexed += entries.length;
      await options.onProgress?.(indexed);
    }
    // 0: a writer started the index or a rebuild moved on meanwhile: read again and go on.
  }
}

/** KEYS and ARGV of the back-fill script for these entries (oldest first). */
function backfillCall(
  ix: AuditIndexKeys,
  gen: number,
  since: string | null,
  entries: readonly StreamEntry[],
): { keys: string[]; args: Array<string | Buffer> } {
  const perKey = new Map<string, { month: string; parts: Buffer[] }>();
  for (const entry of entries) {
    const position = parsePosition(entry[0]);
    const event = tryParse(entry);
    // An unreadable entry is still counted under `all` (at its stream time) so that the check holds; verify reports it.
    const time = event ? entryTime(event.time) : position.ms;
    const terms: Array<[IndexField, string]> = event ? indexTermsOf(event) : [['all', '']];
    const month = monthOf(time);
    const encoded = encodeEntry(time, position);
    for (const [field, value] of terms) {
      const key = ix.term(gen, field, value, month);
      let slot = perKey.get(key);
      if (!slot) perKey.set(key, (slot = { month, parts: [] }));
      slot.parts.push(encoded);
    }
  }
  const months = [...new Set([...perKey.values()].map((v) => v.month))];
  const keys = [ix.genKey, ix.since(gen), ix.months(gen), ...months.map((m) => ix.registry(gen, m))];
  const registryOf = new Map(months.map((m, i) => [m, 4 + i]));
  const args: Array<string | Buffer> = [String(gen), since ?? '', entries[0]![0], String(months.length), ...months];
  for (const [key, { month, parts }] of perKey) {
    keys.push(key);
    args.push(String(keys.length), String(registryOf.get(month)), Buffer.concat(parts));
  }
  return { keys, args };
}

/** Deletes every key of a generation no one writes any more (after a rebuild). */
async function deleteGeneration(redis: Client, ix: AuditIndexKeys, gen: number): Promise<void> {
  const months = await redis.smembers(ix.months(gen));
  for (const month of months) {
    const registry = ix.registry(gen, month);
    const names = await redis.smembers(registry);
    for (let i = 0; i < names.length; i += 500) await redis.unlink(...names.slice(i, i + 500));
    await redis.unlink(registry);
  }
  await redis.unlink(ix.months(gen), ix.since(gen));
}
