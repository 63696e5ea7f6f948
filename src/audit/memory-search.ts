/**
 * Search over events held in memory (the memory log: the embedded default and tests), with
 * the same answers as the Redis index: the events matching the query up to the snapshot,
 * exactly counted, a page cut by the same cursors. Throws a TypeError for a malformed cursor.
 */
import { comparePositions, formatPosition, listView, parsePosition, type AuditPosition, type ParsedPosition, type PositionList } from './positions.ts';
import { matchesQuery, pageOf, type AuditMatches, type AuditPageRequest, type AuditQuery, type AuditSearchResult } from './search.ts';
import type { AuditEvent } from './types.ts';

export interface PositionedEvent {
  position: ParsedPosition;
  event: AuditEvent;
}

function matching(entries: readonly PositionedEvent[], query: AuditQuery, upto: AuditPosition | undefined) {
  const last = entries.at(-1)?.position;
  const given = upto === undefined ? undefined : parsePosition(upto);
  const highest = given && last && comparePositions(given, last) < 0 ? given : last;
  const found = highest ? entries.filter((e) => comparePositions(e.position, highest) <= 0 && matchesQuery(e.event, query)) : [];
  const list: PositionList = {
    length: found.length,
    time: Float64Array.from(found, (e) => Date.parse(e.event.time)),
    ms: Float64Array.from(found, (e) => e.position.ms),
    n: Uint32Array.from(found, (e) => e.position.n),
  };
  return { found, list, upto: highest ? formatPosition(highest.ms, highest.n) : undefined };
}

export function searchEntries(entries: readonly PositionedEvent[], query: AuditQuery, page: AuditPageRequest = {}): AuditSearchResult {
  const { found, list, upto } = matching(entries, query, page.upto);
  const slice = pageOf(listView(list), page);
  const events = found
    .slice(slice.start, slice.end)
    .reverse()
    .map(({ position, event }) => ({ position: formatPosition(position.ms, position.n), event }));
  return { total: list.length, events, newer: slice.newer, older: slice.older, upto };
}

export function searchAllEntries(entries: readonly PositionedEvent[], query: AuditQuery, options: { upto?: AuditPosition | undefined } = {}): AuditMatches {
  const { found, upto } = matching(entries, query, options.upto);
  return {
    total: found.length,
    upto,
    async *events() {
      for (const { event } of found) yield event;
    },
  };
}
