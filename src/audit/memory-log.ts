/**
 * The audit log in process memory: same contract and chain as the Redis log, for the
 * embedded default (one process, nothing survives a restart) and for tests. Each event gets
 * a position made as Redis makes stream ids (ms = max(previous, min(event time, now))), so
 * searches page the same way.
 */
import { entryTime } from './append-script.ts';
import { assertMacKey, chainEvents, type ChainedEvent, trimPointMac, type AuditTrimPoint, type ChainHead } from './chain.ts';
import { inTimeRange, parseTimeOption, prepareBody, type AuditLog, type AuditRangeOptions, type AuditTrimOptions } from './log.ts';
import { searchAllEntries, searchEntries, type PositionedEvent } from './memory-search.ts';
import type { ParsedPosition } from './positions.ts';
import type { AuditEvent } from './types.ts';

export interface MemoryAuditLogOptions {
  /** Clock for the trim point's time (default Date.now). */
  clock?: () => number;
}

export function createMemoryAuditLog(macKey: string, options: MemoryAuditLogOptions = {}): AuditLog {
  assertMacKey(macKey);
  const clock = options.clock ?? Date.now;
  // Stored as canonical JSON, like the Redis stream: readers get copies, never the stored object.
  let stored: string[] = [];
  let positions: ParsedPosition[] = [];
  let lastPosition: ParsedPosition = { ms: 0, n: 0 };
  let head: ChainHead | undefined;
  let trim: AuditTrimPoint | undefined;
  let closed = false;

  const read = (): AuditEvent[] => stored.map((text) => JSON.parse(text) as AuditEvent);
  const positioned = (): PositionedEvent[] => read().map((event, i) => ({ position: positions[i]!, event }));

  return {
    async append(input) {
      if (closed) throw new Error('audit append: the log is closed');
      const [{ event, text }] = chainEvents(macKey, head, [prepareBody(input)], trim) as [ChainedEvent];
      stored.push(text);
      const ms = Math.max(lastPosition.ms, Math.min(entryTime(event!.time), clock()));
      lastPosition = { ms, n: ms === lastPosition.ms && positions.length ? lastPosition.n + 1 : 0 };
      positions.push(lastPosition);
      head = { seq: event!.seq, mac: event!.mac };
      return event!;
    },

    async range(options: AuditRangeOptions = {}) {
      const fromMs = parseTimeOption('fromTime', options.fromTime);
      const toMs = parseTimeOption('toTime', options.toTime);
      let events = read().filter((e) => inTimeRange(e, fromMs, toMs) && (options.fromSeq === undefined || e.seq >= options.fromSeq));
      if (options.order === 'newest-first') events = events.reverse();
      return options.limit === undefined ? events : events.slice(0, Math.max(0, options.limit));
    },

    async *entries() {
      yield* read();
    },

    async head() {
      return head ? { ...head } : undefined;
    },

    async trimBefore(time: string, trimOptions: AuditTrimOptions = {}) {
      const cutoff = parseTimeOption('time', time)!;
      const events = read();
      let n = 0;
      while (n < events.length) {
        const e = events[n]!;
        if (!(Date.parse(e.time) < cutoff) || (trimOptions.upToSeq !== undefined && e.seq > trimOptions.upToSeq)) break;
        n += 1;
      }
      if (n === 0) return 0;
      const kept = events[n];
      const last = events[n - 1]!;
      const point = { seq: kept ? kept.seq : last.seq + 1, prev: kept ? kept.prev : last.mac, time: new Date(clock()).toISOString() };
      trim = { ...point, mac: trimPointMac(macKey, point) };
      stored = stored.slice(n);
      positions = positions.slice(n);
      return n;
    },

    async trimPoint() {
      return trim ? { ...trim } : undefined;
    },

    async search(query, page) {
      return searchEntries(positioned(), query, page);
    },

    async searchAll(query, options) {
      return searchAllEntries(positioned(), query, options);
    },

    async close() {
      closed = true;
    },
  };
}
