/**
 * Searching the audit stream through its index (index-keys.ts; written by the append script
 * in redis-log.ts, back-filled by redis-reindex.ts). A search reads, for each criterion (or
 * `all` for a period alone), the index keys of the months the period covers in one MGET,
 * keeps the entries whose event time is in the period and whose position is in the kept
 * trail up to the snapshot, intersects the lists, then fetches only the page's events.
 * Counts are exact: they are the length of that intersection. Throws a TypeError for a
 * malformed cursor (positions.ts).
 */
import type { Cluster, Redis } from 'ioredis';
import type { Keys } from '../store/keys.ts';
import { auditIndexKeys, generationOf, monthsBetween } from './index-keys.ts';
import {
  comparePositions, decodeEntries, formatPosition, intersect, parsePosition,
  type AuditPosition, type ParsedPosition, type PositionList,
} from './positions.ts';
import { pageOf, queryTerms, type AuditMatches, type AuditPageRequest, type AuditQuery, type AuditSearchResult } from './search.ts';
import { tryParse, type StreamEntry } from './stream-entry.ts';
import type { AuditEvent } from './types.ts';

type Client = Redis | Cluster;

export interface RedisAuditSearch {
  search(query: AuditQuery, page?: AuditPageRequest): Promise<AuditSearchResult>;
  searchAll(query: AuditQuery, options?: { upto?: AuditPosition | undefined }): Promise<AuditMatches>;
}

interface Snapshot {
  oldest: ParsedPosition;
  highest: ParsedPosition;
  gen: number;
  indexedFrom: ParsedPosition | undefined;
  months: string[];
}

/** An export reads a range when the positions asked are at least 1 in DENSE_FACTOR of the stream's entries there. */
const DENSE_FACTOR = 4;

const EMPTY: PositionList = { length: 0, time: new Float64Array(0), ms: new Float64Array(0), n: new Uint32Array(0) };

export function createRedisAuditSearch(redis: Client, keys: Keys): RedisAuditSearch {
  const ix = auditIndexKeys(keys);
  const streamKey = keys.custom('audit', 'stream');

  /** The kept trail's bounds (oldest event, snapshot), the index generation and its months. */
  async function snapshot(upto: ParsedPosition | undefined): Promise<Snapshot | undefined> {
    const [[, first], [, last], [, rawGen]] = (await redis.pipeline()
      .xrange(streamKey, '-', '+', 'COUNT', 1)
      .xrevrange(streamKey, '+', '-', 'COUNT', 1)
      .get(ix.genKey)
      .exec())! as [[unknown, StreamEntry[]], [unknown, StreamEntry[]], [unknown, string | null]];
    const oldest = first[0]?.[0];
    const newest = last[0]?.[0];
    if (!oldest || !newest) return undefined;
    const gen = generationOf(rawGen);
    const [[, since], [, months]] = (await redis.pipeline().get(ix.since(gen)).smembers(ix.months(gen)).exec())! as [[unknown, string | null], [unknown, string[]]];
    const newestPosition = parsePosition(newest);
    const highest = upto && comparePositions(upto, newestPosition) < 0 ? upto : newestPosition;
    return { oldest: parsePosition(oldest), highest, gen, indexedFrom: since ? parsePosition(since) : undefined, months };
  }

  async function matchesOf(query: AuditQuery, upto: AuditPosition | undefined): Promise<{ list: PositionList; snap: Snapshot | undefined }> {
    const snap = await snapshot(upto === undefined ? undefined : parsePosition(upto));
    if (!snap) return { list: EMPTY, snap };
    const months = monthsBetween(snap.months, query.fromMs, query.toMs);
    if (!months.length) return { list: EMPTY, snap };
    const terms = queryTerms(query);
    const names = terms.flatMap(([field, value]) => months.map((month) => ix.term(snap.gen, field, value, month)));
    const values = await redis.mgetBuffer(...names);
    const filter = { fromMs: query.fromMs, toMs: query.toMs, lowest: snap.oldest, highest: snap.highest };
    const lists = terms.map((_, i) => decodeEntries(values.slice(i * months.length, (i + 1) * months.length).filter((b): b is Buffer => b !== null), filter));
    return { list: intersect(lists), snap };
  }

  function incompleteOf(snap: Snapshot | undefined): AuditSearchResult['incomplete'] {
    if (!snap || (snap.indexedFrom && comparePositions(snap.indexedFrom, snap.oldest) <= 0)) return undefined;
    return { indexedFrom: snap.indexedFrom ? formatPosition(snap.indexedFrom.ms, snap.indexedFrom.n) : undefined };
  }

  /** The events at these positions, in the same order (an unreadable or vanished one is left out). */
  async function fetch(positions: readonly AuditPosition[]): Promise<Array<{ position: AuditPosition; event: AuditEvent }>> {
    if (!positions.length) return [];
    const pipeline = redis.pipeline();
    for (const position of positions) pipeline.xrange(streamKey, position, position, 'COUNT', 1);
    const replies = (await pipeline.exec())! as Array<[Error | null, StreamEntry[]]>;
    const found: Array<{ position: AuditPosition; event: AuditEvent }> = [];
    replies.forEach(([err, entries], i) => {
      if (err) throw err;
      const event = entries[0] ? tryParse(entries[0]) : undefined;
      if (event) found.push({ position: positions[i]!, event });
    });
    return found;
  }

  /**
   * The same for a run of ascending positions (exports): one XRANGE from the first to the last,
   * at most DENSE_FACTOR entries per position asked, filtered; when the run is sparser than
   * that, the positions the range did not reach are fetched one by one.
   */
  async function fetchRun(positions: readonly AuditPosition[]): Promise<AuditEvent[]> {
    if (!positions.length) return [];
    const wanted = new Set(positions);
    const entries = (await redis.xrange(streamKey, positions[0]!, positions.at(-1)!, 'COUNT', positions.length * DENSE_FACTOR)) as StreamEntry[];
    const events: AuditEvent[] = [];
    for (const entry of entries) {
      if (!wanted.has(entry[0])) continue;
      const event = tryParse(entry);
      if (event) events.push(event);
    }
    const reached = entries.length < positions.length * DENSE_FACTOR ? undefined : parsePosition(entries.at(-1)![0]);
    if (!reached) return events;
    const rest = positions.filter((p) => comparePositions(parsePosition(p), reached) > 0);
    return [...events, ...(await fetch(rest)).map((found) => found.event)];
  }

  const at = (list: PositionList, i: number) => formatPosition(list.ms[i]!, list.n[i]!);

  return {
    async search(query, page = {}) {
      const { list, snap } = await matchesOf(query, page.upto);
      const slice = pageOf(list, page);
      const positions: AuditPosition[] = [];
      for (let i = slice.end - 1; i >= slice.start; i--) positions.push(at(list, i));
      const incomplete = incompleteOf(snap);
      return {
        total: list.length,
        events: await fetch(positions),
        newer: slice.newer,
        older: slice.older,
        upto: snap ? formatPosition(snap.highest.ms, snap.highest.n) : undefined,
        ...(incomplete ? { incomplete } : {}),
      };
    },

    async searchAll(query, options = {}) {
      const { list, snap } = await matchesOf(query, options.upto);
      return {
        total: list.length,
        upto: snap ? formatPosition(snap.highest.ms, snap.highest.n) : undefined,
        incomplete: incompleteOf(snap),
        async *events(chunk = 500) {
          for (let start = 0; start < list.length; start += chunk) {
            const positions: AuditPosition[] = [];
            for (let i = start; i < Math.min(list.length, start + chunk); i++) positions.push(at(list, i));
            yield* await fetchRun(positions);
          }
        },
      };
    },
  };
}
