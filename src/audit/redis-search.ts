/**
 * Searching the audit stream through its index (index-keys.ts; written by the append script
 * in redis-log.ts, back-filled by redis-reindex.ts). A search reads, for each criterion (or
 * `all` for a period alone), the index keys of the months the period covers in one MGET and
 * keeps the entries whose event time is in the period and whose position is in the kept
 * trail up to the snapshot:
 * - one criterion: a month wholly inside the period is counted and paged through as it is
 *   (binary searches on its raw entries), only the period's first and last months are read
 *   entry by entry;
 * - several: the criterion with the fewest entries is read, and each of its entries is
 *   looked up in the others' key of the same month (a forward search, entries being sorted).
 * Then only the page's events are fetched. Counts are exact: they are the number of entries
 * that pass. Throws a TypeError for a malformed cursor (positions.ts).
 */
import type { Cluster, Redis } from 'ioredis';
import type { KeyNames } from '../store/key-names.ts';
import { auditIndexKeys, generationOf, monthsBetween } from './index-keys.ts';
import {
  ENTRY_BYTES,
  bufferView,
  comparePositions,
  concatView,
  decodeEntries,
  formatPosition,
  gallop,
  listView,
  parsePosition,
  type AuditPosition,
  type EntryFilter,
  type ParsedPosition,
  type SortedPositions,
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

const EMPTY: SortedPositions = { length: 0, msAt: () => 0, nAt: () => 0 };

/** One month's index key of a criterion, with the instants the month starts and ends. */
interface Segment {
  buffer: Buffer;
  startMs: number;
  endMs: number;
}

function monthBounds(month: string): [number, number] {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return [Date.UTC(year, m - 1, 1), Date.UTC(year, m, 1)];
}

/** The entries of one criterion that pass the filter, in trail order. */
function oneCriterion(segments: readonly Segment[], filter: EntryFilter): SortedPositions {
  const parts: SortedPositions[] = [];
  for (const segment of segments) {
    const inside = (filter.fromMs === undefined || filter.fromMs <= segment.startMs) && (filter.toMs === undefined || segment.endMs <= filter.toMs);
    const part = inside ? bufferView(segment.buffer, filter.lowest, filter.highest) : listView(decodeEntries([segment.buffer], filter));
    if (part.length) parts.push(part);
  }
  // Months follow each other in the trail, unless an event was recorded late (its time in an
  // earlier month than events already stored): then read every entry and sort.
  for (let i = 1; i < parts.length; i++) {
    const before = parts[i - 1]!;
    const last = { ms: before.msAt(before.length - 1), n: before.nAt(before.length - 1) };
    if (comparePositions(last, { ms: parts[i]!.msAt(0), n: parts[i]!.nAt(0) }) >= 0) {
      return listView(
        decodeEntries(
          segments.map((segment) => segment.buffer),
          filter,
        ),
      );
    }
  }
  return parts.length === 1 ? parts[0]! : concatView(parts);
}

/** The entries of the first criterion's list that every other criterion also has (same month key). */
function allCriteria(terms: ReadonlyArray<readonly Segment[]>, filter: EntryFilter): SortedPositions {
  const sizes = terms.map((segments) => segments.reduce((sum, s) => sum + s.buffer.length, 0));
  const driverAt = sizes.indexOf(Math.min(...sizes));
  const driver = decodeEntries(
    terms[driverAt]!.map((s) => s.buffer),
    filter,
  );
  const kept = new Uint8Array(driver.length).fill(1);
  terms.forEach((segments, t) => {
    if (t === driverAt) return;
    const views = segments.map((s) => bufferView(s.buffer));
    const cursors = segments.map(() => 0);
    let current = -1;
    for (let i = 0; i < driver.length; i++) {
      if (!kept[i]) continue;
      const time = driver.time[i]!;
      if (current < 0 || time < segments[current]!.startMs || time >= segments[current]!.endMs)
        current = segments.findIndex((s) => time >= s.startMs && time < s.endMs);
      if (current < 0) {
        kept[i] = 0;
        continue;
      }
      const view = views[current]!;
      const p = { ms: driver.ms[i]!, n: driver.n[i]! };
      const at = gallop(view, cursors[current]!, p);
      cursors[current] = at;
      if (at >= view.length || view.msAt(at) !== p.ms || view.nAt(at) !== p.n) kept[i] = 0;
    }
  });
  const ms: number[] = [];
  const n: number[] = [];
  for (let i = 0; i < driver.length; i++) {
    if (!kept[i]) continue;
    ms.push(driver.ms[i]!);
    n.push(driver.n[i]!);
  }
  return { length: ms.length, msAt: (i) => ms[i]!, nAt: (i) => n[i]! };
}

export function createRedisAuditSearch(redis: Client, keyNames: KeyNames): RedisAuditSearch {
  const ix = auditIndexKeys(keyNames);
  const streamKey = keyNames.custom('audit', 'stream');

  /** The kept trail's bounds (oldest event, snapshot), the index generation and its months. */
  async function snapshot(upto: ParsedPosition | undefined): Promise<Snapshot | undefined> {
    const [[, first], [, last], [, rawGen]] = (await redis
      .pipeline()
      .xrange(streamKey, '-', '+', 'COUNT', 1)
      .xrevrange(streamKey, '+', '-', 'COUNT', 1)
      .get(ix.genKey)
      .exec())! as [[unknown, StreamEntry[]], [unknown, StreamEntry[]], [unknown, string | null]];
    const oldest = first[0]?.[0];
    const newest = last[0]?.[0];
    if (!oldest || !newest) return undefined;
    const gen = generationOf(rawGen);
    const [[, since], [, months]] = (await redis.pipeline().get(ix.since(gen)).smembers(ix.months(gen)).exec())! as [
      [unknown, string | null],
      [unknown, string[]],
    ];
    const newestPosition = parsePosition(newest);
    const highest = upto && comparePositions(upto, newestPosition) < 0 ? upto : newestPosition;
    return { oldest: parsePosition(oldest), highest, gen, indexedFrom: since ? parsePosition(since) : undefined, months };
  }

  async function matchesOf(query: AuditQuery, upto: AuditPosition | undefined): Promise<{ list: SortedPositions; snap: Snapshot | undefined }> {
    const snap = await snapshot(upto === undefined ? undefined : parsePosition(upto));
    if (!snap) return { list: EMPTY, snap };
    const months = monthsBetween(snap.months, query.fromMs, query.toMs);
    if (!months.length) return { list: EMPTY, snap };
    const terms = queryTerms(query);
    const names = terms.flatMap(([field, value]) => months.map((month) => ix.term(snap.gen, field, value, month)));
    const values = await redis.mgetBuffer(...names);
    const bounds = months.map(monthBounds);
    const segments = terms.map((_, t) =>
      months.flatMap((_month, m): Segment[] => {
        const buffer = values[t * months.length + m];
        return buffer && buffer.length >= ENTRY_BYTES ? [{ buffer, startMs: bounds[m]![0], endMs: bounds[m]![1] }] : [];
      }),
    );
    const filter = { fromMs: query.fromMs, toMs: query.toMs, lowest: snap.oldest, highest: snap.highest };
    return { list: segments.length === 1 ? oneCriterion(segments[0]!, filter) : allCriteria(segments, filter), snap };
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

  const at = (list: SortedPositions, i: number) => formatPosition(list.msAt(i), list.nAt(i));

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
