/**
 * The audit log in Redis (>= 7.0): events in a STREAM (one field "e" = the event's canonical
 * JSON; ids follow event times), the head {seq, mac} and the trim point in plain keys, all
 * under one hash tag.
 *
 * Appends from several processes: optimistic concurrency. A writer reads the head, computes
 * seq, prev and MAC in Node (the key never leaves the process), then a Lua script checks
 * that the head is still the one it read and, only then, XADDs the events and sets the new
 * head — atomically. On a conflict it re-reads and retries after a short jittered backoff.
 * (A script is used rather than WATCH/MULTI: no per-connection WATCH state to share or to
 * dedicate a connection to, the same on a Cluster, and a stream key of the wrong type is
 * refused before anything is written, where EXEC would still have moved the head.)
 * Inside one process appends are queued and each commit takes everything queued (up to
 * 200 events) in one script call: many concurrent record() calls cost one round trip. The
 * head this process wrote last is expected by its next commit without a read (a conflict
 * with another writer costs the retry it would have cost anyway).
 *
 * The same script keeps the search index (append-script.ts, index-keys.ts): each event's
 * position goes into the keys of its actor, type, client, outcome and `all`, for the month of
 * its time; searches read those (redis-search.ts), retention drops the keys it emptied
 * (redis-index-trim.ts), and redis-reindex.ts builds the index of events recorded without it.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { KeyNames } from '../store/key-names.ts';
import { awaitShared, sharedWork } from '../store/answer-deadline.ts';
import { APPEND_SCRIPT, appendCall } from './append-script.ts';
import { assertMacKey, chainEvents, trimPointMac, type AuditEventBody, type AuditTrimPoint, type ChainHead } from './chain.ts';
import { auditIndexKeys, generationOf } from './index-keys.ts';
import { inTimeRange, parseTimeOption, prepareBody, type AuditLog, type AuditRangeOptions, type AuditTrimOptions } from './log.ts';
import { dropTrimmedIndex } from './redis-index-trim.ts';
import { createRedisAuditSearch } from './redis-search.ts';
import { parseEntry, parseJson, tryParse, type StreamEntry } from './stream-entry.ts';
import type { AuditEvent } from './types.ts';

export interface RedisAuditLogOptions {
  /** Clock for the trim point's time (default Date.now). */
  clock?: () => number;
  /** Most events committed in one script call (default 200). */
  maxBatch?: number;
  /** How long a commit keeps retrying against other writers before its appends fail (default 10 s). */
  maxCommitMs?: number;
  /** Entries read per XRANGE page (default 1000). */
  pageSize?: number;
  /** Called when a commit lost the race to another writer and will retry (for metrics). */
  onConflict?: (attempt: number, batchSize: number) => void;
}

/**
 * How far an event's time may be from its stream id (ids follow event times, but never run
 * ahead of Redis's clock or go backwards): time-filtered reads widen the id range by this
 * much, then filter on the event's own time. Instance clocks must stay within it (NTP).
 */
export const STREAM_TIME_SLACK_MS = 15 * 60_000;

const TRIM_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current and tonumber(cjson.decode(current)['seq']) >= tonumber(ARGV[2]) then return -1 end
local removed = redis.call('XTRIM', KEYS[2], 'MINID', '=', ARGV[3])
redis.call('SET', KEYS[1], ARGV[1])
return removed
`;

type Client = Redis | Cluster;

interface Pending {
  body: AuditEventBody;
  resolve(event: AuditEvent): void;
  reject(err: unknown): void;
}

export function createRedisAuditLog(redis: Client, keyNames: KeyNames, macKey: string, options: RedisAuditLogOptions = {}): AuditLog {
  assertMacKey(macKey);
  const clock = options.clock ?? Date.now;
  const maxBatch = options.maxBatch ?? 200;
  const maxCommitMs = options.maxCommitMs ?? 10_000;
  const pageSize = options.pageSize ?? 1000;
  const streamKey = keyNames.custom('audit', 'stream');
  const headKey = keyNames.custom('audit', 'head');
  const trimKey = keyNames.custom('audit', 'trim');
  const ix = auditIndexKeys(keyNames);
  const searcher = createRedisAuditSearch(redis, keyNames);

  const queue: Pending[] = [];
  let flushing: Promise<void> | undefined;
  // The head and index generation this process wrote last: the next commit expects them
  // without reading them first (the script checks both; another writer's move costs a retry).
  let written: { head: string; gen: string } | undefined;
  let closed = false;
  // seq -> stream id of events returned last by range(): the next page starts right after.
  const cursors = new Map<number, string>();

  // SHA-1 of each script source, computed once (the sources are this module's constants).
  const shas = new Map<string, string>();
  async function script(source: string, scriptKeys: string[], args: string[]): Promise<unknown> {
    let sha = shas.get(source);
    if (sha === undefined) shas.set(source, (sha = sha1(source)));
    try {
      return await redis.evalsha(sha, scriptKeys.length, ...scriptKeys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(source, scriptKeys.length, ...scriptKeys, ...args);
    }
  }

  async function commit(bodies: AuditEventBody[]): Promise<AuditEvent[]> {
    const deadline = Date.now() + maxCommitMs;
    let [rawHead, rawTrim, rawGen] = written ? [written.head, null, written.gen] : await redis.mget(headKey, trimKey, ix.genKey);
    written = undefined;
    for (let attempt = 1; ; attempt++) {
      const head = parseHead(rawHead ?? null);
      const trim = head ? undefined : parseTrim(rawTrim ?? null);
      const gen = generationOf(rawGen);
      const chained = chainEvents(macKey, head, bodies, trim);
      const events = chained.map(({ event }) => event);
      const last = events.at(-1)!;
      const call = appendCall(ix, gen, { head: headKey, stream: streamKey }, chained, rawHead ?? '', JSON.stringify({ seq: last.seq, mac: last.mac }));
      const [done, current] = (await script(APPEND_SCRIPT, call.keys, call.args)) as [number, string];
      if (done === 1) {
        written = { head: current, gen: String(gen) };
        return events;
      }
      if (done === 2) {
        // A rebuild of the search index started a new generation: write its keys instead.
        rawGen = current;
        continue;
      }
      options.onConflict?.(attempt, bodies.length);
      if (Date.now() > deadline)
        throw new Error(`audit append: expected to commit within ${maxCommitMs} ms, got a conflicting writer on each of ${attempt} attempts`);
      // Retry at once with the head the script saw: one round trip, where the writer that won
      // needs two (read, then write) for its next batch. Every 8th loss, a short jittered pause
      // then a fresh read, in case several writers keep colliding in step.
      if (attempt % 8 === 0) {
        await sleep(Math.random() * 5);
        [rawHead, rawTrim, rawGen] = await redis.mget(headKey, trimKey, ix.genKey);
      } else {
        rawHead = current;
        if (current === '') rawTrim = await redis.get(trimKey);
      }
    }
  }

  async function flush(): Promise<void> {
    // The first batch waits for the end of this turn of the event loop (setImmediate): events
    // of the requests the same turn served (under load, many) then go in one commit instead of
    // the first alone. The next batches gather while the one before is in flight.
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.length) {
      const batch = queue.splice(0, maxBatch);
      try {
        const events = await commit(batch.map((p) => p.body));
        batch.forEach((p, i) => p.resolve(events[i]!));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  }

  // One commit loop at a time; whatever is queued meanwhile goes in the next batch. It commits
  // several requests' events, so it runs outside any one request's scope (answer-deadline.ts).
  function kick(): void {
    if (flushing) return;
    flushing = sharedWork(async () => {
      try {
        await flush();
      } finally {
        flushing = undefined;
        if (queue.length) kick();
      }
    });
  }

  function parseHead(raw: string | null): ChainHead | undefined {
    if (raw === null || raw === '') return undefined;
    const head = parseJson(raw) as ChainHead | undefined;
    if (!head || !Number.isSafeInteger(head.seq) || typeof head.mac !== 'string') {
      throw new Error(`audit head (${headKey}): expected JSON {seq, mac}, got ${JSON.stringify(raw.slice(0, 80))}`);
    }
    return { seq: head.seq, mac: head.mac };
  }

  function parseTrim(raw: string | null): AuditTrimPoint | undefined {
    if (raw === null || raw === '') return undefined;
    const point = parseJson(raw) as AuditTrimPoint | undefined;
    if (!point || !Number.isSafeInteger(point.seq) || typeof point.prev !== 'string' || typeof point.time !== 'string' || typeof point.mac !== 'string') {
      throw new Error(`audit trim point (${trimKey}): expected JSON {seq, prev, time, mac}, got ${JSON.stringify(raw.slice(0, 80))}`);
    }
    return { seq: point.seq, prev: point.prev, time: point.time, mac: point.mac };
  }

  /** Reads stream pages in one direction between two ids (inclusive, or "(id" exclusive). */
  async function* pages(start: string, end: string, direction: 'forward' | 'backward'): AsyncGenerator<StreamEntry[]> {
    let from = direction === 'forward' ? start : end;
    const to = direction === 'forward' ? end : start;
    for (;;) {
      const page = (
        direction === 'forward' ? await redis.xrange(streamKey, from, to, 'COUNT', pageSize) : await redis.xrevrange(streamKey, from, to, 'COUNT', pageSize)
      ) as StreamEntry[];
      if (page.length) yield page;
      if (page.length < pageSize) return;
      from = `(${page.at(-1)![0]}`;
    }
  }

  /** Stream id after which the events with seq >= fromSeq start ('-' = from the beginning). */
  async function seekSeq(fromSeq: number): Promise<string> {
    const cached = cursors.get(fromSeq - 1);
    if (cached) return `(${cached}`;
    const [first] = (await redis.xrange(streamKey, '-', '+', 'COUNT', 1)) as StreamEntry[];
    const head = parseHead(await redis.get(headKey));
    const firstSeq = first ? tryParse(first)?.seq : undefined;
    if (!head || firstSeq === undefined || fromSeq - firstSeq <= head.seq - fromSeq) return '-';
    // Closer to the end: walk back to the last event before fromSeq.
    for await (const page of pages('-', '+', 'backward')) {
      for (const entry of page) {
        const seq = tryParse(entry)?.seq;
        if (seq !== undefined && seq < fromSeq) return `(${entry[0]}`;
      }
    }
    return '-';
  }

  return {
    append(input) {
      if (closed) return Promise.reject(new Error('audit append: the log is closed'));
      let body: AuditEventBody;
      try {
        body = prepareBody(input);
      } catch (err) {
        return Promise.reject(err);
      }
      // Each request waits for the commit of its event within its own store deadline.
      return awaitShared(
        new Promise<AuditEvent>((resolve, reject) => {
          queue.push({ body, resolve, reject });
          kick();
        }),
        'audit append',
      );
    },

    async range(rangeOptions: AuditRangeOptions = {}) {
      const fromMs = parseTimeOption('fromTime', rangeOptions.fromTime);
      const toMs = parseTimeOption('toTime', rangeOptions.toTime);
      const { fromSeq } = rangeOptions;
      const limit = rangeOptions.limit ?? Number.POSITIVE_INFINITY;
      const newestFirst = rangeOptions.order === 'newest-first';
      let start = fromMs === undefined ? '-' : String(Math.max(0, fromMs - STREAM_TIME_SLACK_MS));
      const end = toMs === undefined ? '+' : String(toMs + STREAM_TIME_SLACK_MS);
      if (fromSeq !== undefined && fromSeq > 1 && !newestFirst) {
        const after = await seekSeq(fromSeq);
        if (after !== '-' && (start === '-' || compareIds(after.slice(1), start) >= 0)) start = after;
      }
      const found: Array<[AuditEvent, string]> = [];
      if (limit > 0) {
        scan: for await (const page of pages(start, end, newestFirst ? 'backward' : 'forward')) {
          for (const entry of page) {
            const event = tryParse(entry);
            if (!event) continue; // unreadable entries are verify's business
            // Newest first with a seq bound: the chain goes down from here, stop.
            if (fromSeq !== undefined && event.seq < fromSeq) {
              if (newestFirst) break scan;
              continue;
            }
            if (!inTimeRange(event, fromMs, toMs)) continue;
            found.push([event, entry[0]]);
            if (found.length >= limit) break scan;
          }
        }
      }
      if (!newestFirst && found.length) {
        const [last, id] = found.at(-1)!;
        cursors.set(last.seq, id);
        if (cursors.size > 100) cursors.delete(cursors.keys().next().value!);
      }
      return found.map(([event]) => event);
    },

    async *entries(entryOptions = {}) {
      let position = 0;
      let from = '-';
      const size = entryOptions.pageSize ?? pageSize;
      for (;;) {
        const page = (await redis.xrange(streamKey, from, '+', 'COUNT', size)) as StreamEntry[];
        for (const entry of page) {
          position += 1;
          yield parseEntry(entry, position);
        }
        if (page.length < size) return;
        from = `(${page.at(-1)![0]}`;
      }
    },

    async head() {
      return parseHead(await redis.get(headKey));
    },

    async trimBefore(time: string, trimOptions: AuditTrimOptions = {}) {
      const cutoff = parseTimeOption('time', time)!;
      let lastRemoved: [AuditEvent, string] | undefined;
      let firstKept: [AuditEvent, string] | undefined;
      let position = 0;
      scan: for await (const page of pages('-', '+', 'forward')) {
        for (const entry of page) {
          position += 1;
          const event = parseEntry(entry, position);
          if (!(Date.parse(event.time) < cutoff) || (trimOptions.upToSeq !== undefined && event.seq > trimOptions.upToSeq)) {
            firstKept = [event, entry[0]];
            break scan;
          }
          lastRemoved = [event, entry[0]];
        }
      }
      if (!lastRemoved) return 0;
      const point = firstKept
        ? { seq: firstKept[0].seq, prev: firstKept[0].prev, time: new Date(clock()).toISOString() }
        : { seq: lastRemoved[0].seq + 1, prev: lastRemoved[0].mac, time: new Date(clock()).toISOString() };
      const minId = firstKept ? firstKept[1] : nextId(lastRemoved[1]);
      const stored = { ...point, mac: trimPointMac(macKey, point) };
      const result = Number(await script(TRIM_SCRIPT, [trimKey, streamKey], [JSON.stringify(stored), String(point.seq), minId]));
      if (result < 0)
        throw new Error(`audit trim: expected to move the trim point forward to seq ${point.seq}, but another trim already went at least that far`);
      cursors.clear();
      await dropTrimmedIndex(redis, keyNames, minId);
      return result;
    },

    async trimPoint() {
      return parseTrim(await redis.get(trimKey));
    },

    search: (query, page) => searcher.search(query, page),
    searchAll: (query, searchOptions) => searcher.searchAll(query, searchOptions),

    async close() {
      closed = true;
      while (flushing) await flushing;
    },
  };
}

/** Compares two stream ids "ms-n". */
export function compareIds(a: string, b: string): number {
  const [am = 0n, an = 0n] = a.split('-').map((part) => BigInt(part));
  const [bm = 0n, bn = 0n] = b.split('-').map((part) => BigInt(part));
  return am === bm ? (an === bn ? 0 : an < bn ? -1 : 1) : am < bm ? -1 : 1;
}

/** The smallest stream id after `id`. */
function nextId(id: string): string {
  const [ms, n = '0'] = id.split('-');
  return `${ms}-${BigInt(n) + 1n}`;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
