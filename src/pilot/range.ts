/**
 * The date range of a pilot page or export, from `?from=YYYY-MM-DD&to=YYYY-MM-DD` (Paris
 * days, both included). Without them: the 30 days ending today. A range is refused when a
 * date is not a real day, ends before it starts, or spans more than MAX_RANGE_DAYS.
 */
import { addDays, dayCount, isDay, parisDay } from './calendar.ts';

export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 731;

export type RangeResult = { ok: true; from: string; to: string } | { ok: false; problem: string };

export function rangeOf(query: { from?: unknown; to?: unknown }, now: number): RangeResult {
  const given = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const from = given(query.from);
  const to = given(query.to);
  for (const [name, value] of [['from', from], ['to', to]]) {
    if (value !== undefined && !isDay(value)) return { ok: false, problem: `${name}: expected a day YYYY-MM-DD, got ${JSON.stringify(String(value).slice(0, 40))}` };
  }
  const end = to ?? (from && dayCount(from, parisDay(now)) > DEFAULT_RANGE_DAYS ? addDays(from, DEFAULT_RANGE_DAYS - 1) : parisDay(now));
  const start = from ?? addDays(end, -(DEFAULT_RANGE_DAYS - 1));
  if (dayCount(start, end) === 0) return { ok: false, problem: `the range ends (${end}) before it starts (${start})` };
  if (dayCount(start, end) > MAX_RANGE_DAYS) return { ok: false, problem: `the range spans ${dayCount(start, end)} days, more than ${MAX_RANGE_DAYS}` };
  return { ok: true, from: start, to: end };
}
