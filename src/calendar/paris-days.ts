/**
 * Days as the pilot and the audit search count them: calendar days in Europe/Paris ("YYYY-MM-DD"), whatever the
 * server's time zone, and ISO weeks (Monday to Sunday) made of those days.
 */

export const PILOT_TIME_ZONE = 'Europe/Paris';

const PARIS_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: PILOT_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

const HOUR_MS = 3_600_000;
/**
 * The last UTC hour asked and its Paris day. Paris is a whole number of hours ahead of UTC and
 * changes offset on an hour (01:00 UTC), so its midnight is always on a UTC hour: one UTC hour
 * lies within one Paris day. Every audit event asks for its day (pilot aggregates), nearly
 * always in the same hour: Intl's formatting (a few µs) is then done once an hour.
 */
let lastHour: { hour: number; day: string } | undefined;

/** The Paris calendar day of an instant (epoch ms or ISO 8601 string). */
export function parisDay(instant: number | string): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  if (!Number.isFinite(ms)) throw new RangeError(`expected an instant, got ${String(instant)}`);
  const hour = Math.floor(ms / HOUR_MS);
  if (lastHour?.hour === hour) return lastHour.day;
  const day = PARIS_DATE.format(ms);
  lastHour = { hour, day };
  return day;
}

/**
 * The instant (epoch ms) a Paris calendar day starts: its midnight, +01:00 in winter and +02:00
 * in summer (the clocks change at 02:00 / 03:00, never at midnight).
 */
export function parisDayStart(day: string): number {
  const utcMidnight = dayNumber(day) * DAY_MS;
  for (const offsetHours of [1, 2]) {
    const candidate = utcMidnight - offsetHours * 3_600_000;
    if (parisDay(candidate) === day && parisDay(candidate - 1) !== day) return candidate;
  }
  throw new RangeError(`no Paris midnight found for ${day}`);
}

/** True for a real calendar day written YYYY-MM-DD (2026-02-30 is not one). */
export function isDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DAY_PATTERN.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

function dayNumber(day: string): number {
  if (!isDay(day)) throw new RangeError(`expected a day YYYY-MM-DD, got ${JSON.stringify(day)}`);
  return Date.parse(`${day}T00:00:00Z`) / DAY_MS;
}

function dayOfNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** The day `count` days after (or before, when negative) `day`. */
export function addDays(day: string, count: number): string {
  return dayOfNumber(dayNumber(day) + count);
}

/** Number of days from `from` to `to`, both included (0 when `to` is before `from`). */
export function dayCount(from: string, to: string): number {
  return Math.max(0, dayNumber(to) - dayNumber(from) + 1);
}

/** Every day from `from` to `to`, both included. */
export function daysFrom(from: string, to: string): string[] {
  const start = dayNumber(from);
  return Array.from({ length: dayCount(from, to) }, (_, i) => dayOfNumber(start + i));
}

/** The ISO week of a day, "2026-W48" (weeks start on Monday; week 1 holds the first Thursday). */
export function isoWeek(day: string): string {
  const n = dayNumber(day);
  const weekday = (new Date(n * DAY_MS).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date((n - weekday + 3) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const firstThursday = dayNumber(`${year}-01-04`);
  const firstMonday = firstThursday - ((new Date(firstThursday * DAY_MS).getUTCDay() + 6) % 7);
  const week = Math.floor((n - weekday - firstMonday) / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}
