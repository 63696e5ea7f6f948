/**
 * What the pilot's pages and exports accept in their query: `from` and `to` (Paris days
 * YYYY-MM-DD, both included) and `lang`. Without them: the 30 days ending today (from alone:
 * 30 days from it, not past today). A date that does not exist, a range that ends before it
 * starts or spans more than MAX_RANGE_DAYS, any other parameter is refused (parse-query.ts: 400).
 */
import { z } from 'zod';
import { dayParam, dayRangeIssue, langParam } from '../http/query-fields.ts';
import { addDays, dayCount, parisDay } from '../calendar/paris-days.ts';

export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 731;

export interface DayRange {
  from: string;
  to: string;
}

/** The range a query names, with the defaults for what it leaves out (not checked). */
export function rangeOf(query: { from?: string | undefined; to?: string | undefined }, today: string): DayRange {
  const { from, to } = query;
  const end = to ?? (from && dayCount(from, today) > DEFAULT_RANGE_DAYS ? addDays(from, DEFAULT_RANGE_DAYS - 1) : today);
  return { from: from ?? addDays(end, -(DEFAULT_RANGE_DAYS - 1)), to: end };
}

/** The schema of a pilot query at instant `now` (today's Paris day is the default end): its output is the range. */
export function pilotQuery(now: number) {
  const today = parisDay(now);
  return z.strictObject({ from: dayParam, to: dayParam, lang: langParam }).transform((query, ctx) => {
    const range = rangeOf(query, today);
    // A range left open at its end is blamed on `from` (it starts after today), else on `to`.
    const issue = dayRangeIssue(range, MAX_RANGE_DAYS, query.to ? 'to' : 'from');
    if (issue) {
      ctx.addIssue(issue);
      return z.NEVER;
    }
    return range;
  });
}
