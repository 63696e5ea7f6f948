/**
 * Summaries of a range's closed periods, derived from the days when the figures are read and
 * kept, so that a long range does not add every day up again (figures.ts): per closed month
 * the sum of its day counters and the union of its day sets of active clinicians, per closed
 * ISO week how many clinicians that union holds. A period is closed once its last day is
 * CLOSED_AFTER_DAYS before today: the gateway counts its events in today.
 *
 * An event counted in a day before its writer's today (pilot:seed, the bench, a request
 * across midnight) bumps its month's and week's generation in `pilot:late`, in the write that
 * counts it (aggregates.ts). A summary is kept under the generation its period had before its
 * days were read, and read only under the current one: a late event's write stops the
 * summaries it outdates being read (they expire), and the next read derives them again.
 *
 * The legacy keys of the releases before the day-only layout (aggregates.ts) are summed in:
 * the union of a month or week includes its legacy set, which holds every day set of the
 * period those releases wrote, also once a day set has expired; a month whose day hashes hold
 * no counters at all takes its legacy month hash (the day hashes are kept for good: only a
 * lost one leaves a month hash alone, and where they are kept both add up to the same).
 *
 * The months before a range are read too, for the all-time totals (figures.ts), a few fields
 * of each, derived whole when missing, with the union of its clinicians (a month summary serves
 * both): so the first read of /pilot after a month closes keeps its clinicians, whatever its
 * range, before the month's first day sets expire.
 *
 * Kept: the counters ACTIVE_KEPT_DAYS from when they were derived (counts only; derived again
 * after that); the clinicians until ACTIVE_KEPT_DAYS after the period's last day, as the
 * period's legacy set would have been, and not kept at all past that (the union is then
 * counted from the day sets, each read).
 */
import type { Store } from '../store/index.ts';
import { addDays, daysFrom, parisDayStart } from '../calendar/paris-days.ts';
import { ACTIVE_KEPT_DAYS, lateMonthField, lateWeekField, type PilotKeys } from './aggregates.ts';
import { expandCounters } from './day-counters.ts';

/** Days after a period's last day before it is closed (a day of margin over midnight and clocks). */
export const CLOSED_AFTER_DAYS = 2;
const ACTIVE_KEPT_SECONDS = ACTIVE_KEPT_DAYS * 86_400;

export function lastDayOf(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return addDays(m === 12 ? `${year + 1}-01-01` : `${year}-${String(m + 1).padStart(2, '0')}-01`, -1);
}

/** Whether a period ending on `lastDay` is closed on `today` (Paris days). */
export function isClosed(lastDay: string, today: string): boolean {
  return lastDay <= addDays(today, -CLOSED_AFTER_DAYS);
}

export interface ClosedWeek {
  week: string;
  /** Its seven days. */
  days: string[];
}

export interface ClosedPeriods {
  /** Closed months the range covers whole: their counters and active clinicians. */
  months: string[];
  /** Closed months before the range: these fields of their counters (the all-time totals before it). */
  earlierMonths: string[];
  earlierFields: string[];
  /** Closed ISO weeks the range covers: their active clinicians. */
  weeks: ClosedWeek[];
}

export interface ClosedPeriodFigures {
  /** Closed month of the range, or before it → the sum of its day counters (before it: at least the fields asked). */
  counters: Map<string, Record<string, string>>;
  /** Closed month of the range → the sets whose union is its active clinicians (its summary, or its day and legacy sets). */
  activeSets: Map<string, string[]>;
  /** Closed week → how many clinicians signed in during it. */
  weekActive: Map<string, number>;
}

function sumOf(hashes: Array<Record<string, string> | null>): Record<string, string> {
  const sum = new Map<string, number>();
  for (const hash of hashes) for (const [field, value] of Object.entries(hash ?? {})) sum.set(field, (sum.get(field) ?? 0) + Number(value));
  return Object.fromEntries([...sum].map(([field, value]) => [field, String(value)]));
}

function fieldsOf(fields: string[], values: (string | null)[]): Record<string, string> {
  return Object.fromEntries(fields.flatMap((field, i) => (values[i] === null || values[i] === undefined ? [] : [[field, values[i]]])));
}

/**
 * The figures of these closed periods: their summaries where kept under their current
 * generation (`generations`: the hash `pilot:late`), else derived from the days and kept (one
 * write for all). One round trip, two or three more when something is derived.
 */
export async function readClosedPeriods(
  store: Store,
  k: PilotKeys,
  periods: ClosedPeriods,
  generations: Record<string, string>,
  now: number,
): Promise<ClosedPeriodFigures> {
  const { months, earlierMonths, earlierFields, weeks } = periods;
  const figures: ClosedPeriodFigures = { counters: new Map(), activeSets: new Map(), weekActive: new Map() };
  const generation = (field: string) => generations[field] ?? '0';
  const sumKey = (month: string) => k.closedMonth(month, generation(lateMonthField(month)));
  const setKey = (month: string) => k.closedActiveMonth(month, generation(lateMonthField(month)));
  const countKey = (week: string) => k.closedActiveWeek(week, generation(lateWeekField(week)));
  const [sums, earlierSums, earlierTtls, setSizes, counts] = await Promise.all([
    Promise.all(months.map((month) => store.hgetall(sumKey(month)))),
    Promise.all(earlierMonths.map((month) => store.hmget(sumKey(month), earlierFields))),
    // Tells a kept summary without these fields (TTL) from none (-2).
    Promise.all(earlierMonths.map((month) => store.ttl(sumKey(month)))),
    Promise.all(months.map((month) => store.unionCount([setKey(month)]))),
    store.mget(weeks.map(({ week }) => countKey(week))),
  ]);

  // What is not kept yet (or no longer) is derived, and kept in one write.
  const batch = store.batch();
  let writes = 0;
  const storedSets: Array<[string, string[]]> = [];
  const secondsKept = (lastDay: string) => Math.floor((parisDayStart(addDays(lastDay, 1)) + ACTIVE_KEPT_SECONDS * 1000 - now) / 1000);
  const daysOf = (month: string) => daysFrom(`${month}-01`, lastDayOf(month));
  const deriveCounters = async (month: string) => {
    let sum = sumOf(await Promise.all(daysOf(month).map(async (day) => expandCounters(await store.hgetall(k.day(day))))));
    if (Object.keys(sum).length === 0) sum = (await store.hgetall(k.month(month))) ?? {};
    if (Object.keys(sum).length > 0) {
      batch.hsetAll(sumKey(month), sum, ACTIVE_KEPT_SECONDS);
      writes += 1;
    }
    return sum;
  };
  await Promise.all([
    ...months.map(async (month, i) => {
      figures.counters.set(month, sums[i] ?? (await deriveCounters(month)));
      const sources = [k.activeInMonth(month), ...daysOf(month).map((day) => k.active(day))];
      const kept = secondsKept(lastDayOf(month));
      if (setSizes[i]! > 0) figures.activeSets.set(month, [setKey(month)]);
      else if (kept > 0) {
        batch.unionStore(setKey(month), sources, kept);
        writes += 1;
        storedSets.push([month, sources]);
        figures.activeSets.set(month, [setKey(month)]);
      } else figures.activeSets.set(month, sources);
    }),
    ...earlierMonths.map(async (month, i) => {
      if (earlierTtls[i] !== -2) {
        figures.counters.set(month, fieldsOf(earlierFields, earlierSums[i]!));
        return;
      }
      figures.counters.set(month, await deriveCounters(month));
      // Its clinicians are kept too, before its first day sets expire (a range may cover it whole later).
      const kept = secondsKept(lastDayOf(month));
      if (kept > 0) {
        batch.unionStore(setKey(month), [k.activeInMonth(month), ...daysOf(month).map((day) => k.active(day))], kept);
        writes += 1;
      }
    }),
    ...weeks.map(async ({ week, days }, i) => {
      const count = counts[i];
      if (count !== null && count !== undefined) {
        figures.weekActive.set(week, Number(count));
        return;
      }
      const active = await store.unionCount([k.activeInWeek(week), ...days.map((day) => k.active(day))]);
      figures.weekActive.set(week, active);
      const kept = secondsKept(days.at(-1)!);
      if (kept > 0) {
        batch.set(countKey(week), String(active), kept);
        writes += 1;
      }
    }),
  ]);
  if (writes > 0) {
    try {
      await batch.exec();
    } catch {
      // Not kept (Redis full, a failover): the figures stand, derived again at the next read;
      // the months whose summary set was not stored are counted from their days.
      for (const [month, sources] of storedSets) figures.activeSets.set(month, sources);
    }
  }
  return figures;
}
