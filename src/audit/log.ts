/**
 * The audit log's storage contract (Redis stream in production, memory for the embedded
 * default and tests): appends that chain atomically among all writers, reads, trimming.
 */
import type { AuditEvent } from './types.ts';
import { toJsonValue } from './canonical.ts';
import type { AuditEventBody, AuditTrimPoint, ChainHead } from './chain.ts';
import type { AuditPosition } from './positions.ts';
import type { AuditMatches, AuditPageRequest, AuditQuery, AuditSearchResult } from './search.ts';

export interface AuditRangeOptions {
  /** Only events whose time is >= this ISO 8601 instant. */
  fromTime?: string;
  /** Only events whose time is < this ISO 8601 instant. */
  toTime?: string;
  /** Only events with seq >= this. */
  fromSeq?: number;
  /** At most this many events (the first ones in the chosen order). */
  limit?: number;
  /** 'oldest-first' (default, chain order) or 'newest-first' (e.g. "the latest 200 matching"). */
  order?: 'oldest-first' | 'newest-first';
}

export interface AuditTrimOptions {
  /** Never remove an event with a higher seq (retention passes the last event it exported). */
  upToSeq?: number;
}

export interface AuditLog {
  /**
   * Appends one event: assigns seq and prev, computes the MAC, and stores event and new head
   * in one atomic step w.r.t. every other writer (other processes included). Resolves with
   * the stored event. Rejects when storage fails (the recorder turns that into a log line).
   */
  append(input: AuditEventBody): Promise<AuditEvent>;
  /** Events matching the filters, in chain order (or newest first). Best effort on a tampered log: verify reads entries(). */
  range(options?: AuditRangeOptions): Promise<AuditEvent[]>;
  /** Every stored event in storage order, unfiltered: what verification reads. Throws AuditLogFormatError on an unreadable entry. */
  entries(options?: { pageSize?: number }): AsyncIterable<AuditEvent>;
  /** The last appended event's seq and MAC (undefined for an empty log). */
  head(): Promise<ChainHead | undefined>;
  /**
   * Removes the longest prefix of the chain whose events are all older than `time` (ISO 8601)
   * and records the trim point, so the kept part stays verifiable. Resolves with the count removed.
   */
  trimBefore(time: string, options?: AuditTrimOptions): Promise<number>;
  /** Where the kept part starts after a trim (undefined if never trimmed). */
  trimPoint(): Promise<AuditTrimPoint | undefined>;
  /**
   * The events that match every criterion of the query, over the whole kept trail (an index
   * in Redis): the exact count and one page, newest first, by cursor. Throws a TypeError for
   * a malformed cursor.
   */
  search(query: AuditQuery, page?: AuditPageRequest): Promise<AuditSearchResult>;
  /** Every event the query matches up to `upto` (default: the newest now), counted, to be read oldest first (exports). */
  searchAll(query: AuditQuery, options?: { upto?: AuditPosition | undefined }): Promise<AuditMatches>;
  /** Waits for queued appends, then refuses new ones. Does not close a connection it was given. */
  close(): Promise<void>;
}

/** An entry of the log that is not a readable event (not JSON, or missing chain fields). */
export class AuditLogFormatError extends Error {
  override name = 'AuditLogFormatError';
  /** 1-based position in storage order. */
  readonly position: number;
  /** Where it is stored (Redis stream id), when there is such a thing. */
  readonly entryId: string | undefined;
  constructor(position: number, entryId: string | undefined, detail: string) {
    super(
      `audit log entry ${position}${entryId ? ` (stream id ${entryId})` : ''}: expected a JSON audit event with seq, time, instance, type, outcome, prev and mac, got ${detail}`,
    );
    this.position = position;
    this.entryId = entryId;
  }
}

/** Time filter shared by the implementations (ISO strings compared as instants). */
export function inTimeRange(event: AuditEvent, fromMs: number | undefined, toMs: number | undefined): boolean {
  if (fromMs === undefined && toMs === undefined) return true;
  const t = Date.parse(event.time);
  if (Number.isNaN(t)) return false;
  return (fromMs === undefined || t >= fromMs) && (toMs === undefined || t < toMs);
}

/** Parses an ISO 8601 option, with a message naming it when it is not a date. */
export function parseTimeOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`audit range: expected ${name} as an ISO 8601 date, got ${JSON.stringify(value)}`);
  return ms;
}

/** Checks and JSON-normalizes what a writer gives (shared by the implementations). */
export function prepareBody(input: AuditEventBody): AuditEventBody {
  if (!input || typeof input !== 'object') throw new TypeError(`audit append: expected an event object, got ${input === null ? 'null' : typeof input}`);
  const body = toJsonValue(input) as AuditEventBody & Partial<Pick<AuditEvent, 'seq' | 'prev' | 'mac'>>;
  for (const field of ['time', 'instance', 'type', 'outcome'] as const) {
    if (typeof body[field] !== 'string' || body[field] === '')
      throw new TypeError(`audit append: expected a non-empty string ${field}, got ${JSON.stringify(body[field])}`);
  }
  if (Number.isNaN(Date.parse(body.time))) throw new TypeError(`audit append: expected time as an ISO 8601 date, got ${JSON.stringify(body.time)}`);
  // The chain fields are the log's to assign.
  delete body.seq;
  delete body.prev;
  delete body.mac;
  return body;
}
