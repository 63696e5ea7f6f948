/**
 * Searching the audit trail (the logs' search() and searchAll()): what a query is, what a
 * page of results says, and the parts both logs share: which index entries an event has,
 * whether an event matches, and cutting a page out of the sorted matches by cursor.
 * pageOf throws a TypeError for a malformed cursor (parsePosition's message).
 */
import { lowerBound, parsePosition, upperBound, type AuditPosition, type SortedPositions } from './positions.ts';
import type { AuditEvent } from './types.ts';

/** The criteria of a search; every one given must hold (AND). */
export interface AuditQuery {
  /** idNat of the practitioner concerned (the event's actor). */
  actor?: string | undefined;
  /** Event type (AUDIT_EVENT_TYPES). */
  type?: string | undefined;
  /** The relying party (the event's clientId). */
  clientId?: string | undefined;
  outcome?: string | undefined;
  /** Events whose own time is at or after this instant (epoch ms). */
  fromMs?: number | undefined;
  /** Events whose own time is before this instant (epoch ms). */
  toMs?: number | undefined;
}

export interface AuditPageRequest {
  /** Events per page (default 100, at most 1,000). */
  limit?: number;
  /** The page of matches just older than this position (the last one shown): "older". */
  before?: AuditPosition | undefined;
  /** The page of matches just newer than this position (the first one shown): "newer". */
  after?: AuditPosition | undefined;
  /**
   * The result as it stood at this position (the `upto` of the first page): events recorded
   * since are left out, so that counts and pages stay the same from page to page. Default:
   * the newest event now.
   */
  upto?: AuditPosition | undefined;
}

export interface AuditSearchResult {
  /** Exact number of events matching, up to `upto`. */
  total: number;
  /** The page, newest first (trail order: the highest seq first). */
  events: Array<{ position: AuditPosition; event: AuditEvent }>;
  /** Matching events newer than the page (0 on the first page). */
  newer: number;
  /** Matching events older than the page. */
  older: number;
  /** The newest position the search considered (pass it back for the next pages); undefined for an empty trail. */
  upto: AuditPosition | undefined;
  /**
   * Present while the search index does not cover the whole trail yet (being built after an
   * upgrade, `npm run audit -- reindex`): events recorded before `indexedFrom` (undefined:
   * every event) are not searched.
   */
  incomplete?: { indexedFrom: AuditPosition | undefined };
}

/** Everything a search matched, ready to be read in order (exports). */
export interface AuditMatches {
  /** Exact number of events matching, up to `upto`. */
  total: number;
  upto: AuditPosition | undefined;
  incomplete?: AuditSearchResult['incomplete'];
  /** The matching events, oldest first (trail order), read `chunk` at a time. */
  events(chunk?: number): AsyncIterable<AuditEvent>;
}

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

/** The index fields: each names events by one of their members. `all` lists every event. */
export type IndexField = 'all' | 'actor' | 'type' | 'client' | 'outcome';

/** The (field, value) pairs under which an event is indexed. */
export function indexTermsOf(event: { actor?: unknown; type?: unknown; clientId?: unknown; outcome?: unknown }): Array<[IndexField, string]> {
  const terms: Array<[IndexField, string]> = [['all', '']];
  const fields: Array<[Exclude<IndexField, 'all'>, unknown]> = [
    ['actor', event.actor],
    ['type', event.type],
    ['client', event.clientId],
    ['outcome', event.outcome],
  ];
  for (const [field, value] of fields) if (typeof value === 'string' && value !== '') terms.push([field, value]);
  return terms;
}

/** The index terms a query asks for: its criteria, or `all` when it has none (a period alone). */
export function queryTerms(query: AuditQuery): Array<[IndexField, string]> {
  const terms: Array<[IndexField, string]> = [];
  if (query.actor) terms.push(['actor', query.actor]);
  if (query.type) terms.push(['type', query.type]);
  if (query.clientId) terms.push(['client', query.clientId]);
  if (query.outcome) terms.push(['outcome', query.outcome]);
  return terms.length ? terms : [['all', '']];
}

/** True when the event meets every criterion of the query (its own time for the period). */
export function matchesQuery(event: AuditEvent, query: AuditQuery): boolean {
  const time = Date.parse(event.time);
  return (
    (!query.actor || event.actor === query.actor) &&
    (!query.type || event.type === query.type) &&
    (!query.clientId || event.clientId === query.clientId) &&
    (!query.outcome || event.outcome === query.outcome) &&
    (query.fromMs === undefined || time >= query.fromMs) &&
    (query.toMs === undefined || time < query.toMs)
  );
}

/** Which matches a page shows: indexes [start, end) of the sorted list, and how many lie around it. */
export interface PageSlice {
  start: number;
  end: number;
  newer: number;
  older: number;
}

/** Cuts the page asked for out of the sorted matches (the newest `limit` without a cursor). */
export function pageOf(matches: SortedPositions, page: AuditPageRequest): PageSlice {
  const limit = Math.min(Math.max(1, Math.floor(page.limit ?? DEFAULT_PAGE)), MAX_PAGE);
  let start: number;
  let end: number;
  if (page.after !== undefined) {
    start = upperBound(matches, parsePosition(page.after));
    end = Math.min(matches.length, start + limit);
  } else {
    end = page.before === undefined ? matches.length : lowerBound(matches, parsePosition(page.before));
    start = Math.max(0, end - limit);
  }
  return { start, end, newer: matches.length - end, older: start };
}
