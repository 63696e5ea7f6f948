/**
 * The parameters the staff pages' query schemas are made of. Each is optional (absent or
 * empty, as a form's empty field, means "not given") and single (given twice is refused:
 * express makes it an array); a bad value is a zod issue whose message is the key of what was
 * expected (`query.day`, …) for parse-query.ts. `dayRangeIssue` checks a from/to pair.
 */
import { z } from 'zod';
import { LOCALES } from './i18n.ts';
import { dayCount, isDay } from '../calendar/paris-days.ts';

/** Absent or '' is undefined; anything else must satisfy `inner`. */
function optional<T extends z.ZodType>(inner: T) {
  return z.preprocess((value) => (value === '' ? undefined : value), inner.optional());
}

/** The years a day parameter may name: no audit event or pilot figure lies outside them. */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2099;

function isDayInYears(value: string): boolean {
  const year = Number(value.slice(0, 4));
  return isDay(value) && year >= FIRST_YEAR && year <= LAST_YEAR;
}

/** A calendar day that exists, YYYY-MM-DD, in FIRST_YEAR..LAST_YEAR (2026-02-30, 2026-13-45 and 0722-06-21 are refused). */
export const dayParam = optional(z.string().refine(isDayInYears, { message: 'query.day', params: { first: FIRST_YEAR, last: LAST_YEAR } }));

/** One of `values` (refused otherwise with the list). */
export function oneOfParam<const V extends readonly [string, ...string[]]>(values: V) {
  return optional(z.enum(values));
}

/** A text matching `pattern`; `key` says what is expected (a message key under query.). */
export function patternParam(pattern: RegExp, key: string) {
  return optional(z.string().regex(pattern, { message: key }));
}

/** `?lang=fr|en`, as every page accepts it. */
export const langParam = oneOfParam(LOCALES);

/**
 * The issue of a range from `from` to `to` (days, both included) that ends before it starts
 * or spans more than `maxDays`, blamed on `parameter`; undefined when the range is fine, or
 * when either end is not a day (zod runs an object's checks even after a field failed: that
 * field's own issue says it).
 */
export function dayRangeIssue(range: { from: string; to: string }, maxDays: number, parameter: string): z.core.$ZodRawIssue | undefined {
  if (!isDay(range.from) || !isDay(range.to)) return undefined;
  const days = dayCount(range.from, range.to);
  if (days === 0)
    return {
      code: 'custom',
      path: [parameter],
      message: 'query.endsBeforeStart',
      params: { from: range.from, to: range.to },
      input: `${range.from}..${range.to}`,
    };
  if (days > maxDays)
    return {
      code: 'custom',
      path: [parameter],
      message: 'query.span',
      params: { from: range.from, to: range.to, days, max: maxDays },
      input: `${range.from}..${range.to}`,
    };
  return undefined;
}
