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
 * Kept: the counters ACTIVE_KEPT_DAYS from when they were derived (counts only; derived again
 * after that); the clinicians until ACTIVE_KEPT_DAYS after the period's last day, as the
 * period's legacy set would have been, and not kept at all past that (the union is then
 * counted from the day sets, each read).
 */
import type { Store } from '../store/index.ts';
import { addDays, daysFrom, parisDayStart } from '../calendar/paris-days.ts';
import { ACTIVE_KEPT_DAYS, lateMonthField, lateWeekField, type PilotKeys } from './aggregates.ts';

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

export interface ClosedPeriodFigures {
  /** Closed month → the sum of its day counters (a hash's fields and values). */
  counters: Map<string, Record<string, string>>;
  /** Closed month → the sets whose union is its active clinicians (its summary, or its day and legacy sets). */
  activeSets: Map<string, string[]>;
  /** Closed week → how many clinicians signed in during it. */
  weekActive: Map<string, number>;
}

function sumOf(hashes: Array<Record<string, string> | null>): Record<string, string> {
  const sum = new Map<string, number>();
  for (const hash of hashes) for (const [field, value] of Object.entries(hash ?? {})) sum.set(field, (sum.get(field) ?? 0) + Number(value));
  return Object.fromEntries([...sum].map(([field, value]) => [field, String(value)]));
}

/**
 * The figures of these closed months and weeks: their summaries where kept under the current
 * generation, else derived from the days and kept (one write for all). Two round trips, two
 * more when something is derived.
 */
export async function readClosedPeriods(
  store: Store,
  k: PilotKeys,
  periods: { months: string[]; weeks: ClosedWeek[] },
  now: number,
): Promise<ClosedPeriodFigures> {
  const { months, weeks } = periods;
  const figures: ClosedPeriodFigures = { counters: new Map(), activeSets: new Map(), weekActive: new Map() };
  if (months.length === 0 && weeks.length === 0) return figures;
  const generations = await store.hmget(k.late, [...months.map(lateMonthField), ...weeks.map(({ week }) => lateWeekField(week))]);
  const generation = (i: number) => generations[i] ?? '0';
  const sumKeys = months.map((month, i) => k.closedMonth(month, generation(i)));
  const setKeys = months.map((month, i) => k.closedActiveMonth(month, generation(i)));
  const countKeys = weeks.map(({ week }, i) => k.closedActiveWeek(week, generation(months.length + i)));
  const [sums, setSizes, counts] = await Promise.all([
    Promise.all(sumKeys.map((key) => store.hgetall(key))),
    Promise.all(setKeys.map((key) => store.unionCount([key]))),
    store.mget(countKeys),
  ]);

  // What is not kept yet (or no longer) is derived, and kept in one write.
  const batch = store.batch();
  let writes = 0;
  const storedSets: Array<[string, string[]]> = [];
  const secondsKept = (lastDay: string) => Math.floor((parisDayStart(addDays(lastDay, 1)) + ACTIVE_KEPT_SECONDS * 1000 - now) / 1000);
  await Promise.all([
    ...months.map(async (month, i) => {
      const days = daysFrom(`${month}-01`, lastDayOf(month));
      const sum = sums[i];
      if (sum) figures.counters.set(month, sum);
      else {
        let derived = sumOf(await Promise.all(days.map((day) => store.hgetall(k.day(day)))));
        if (Object.keys(derived).length === 0) derived = (await store.hgetall(k.month(month))) ?? {};
        figures.counters.set(month, derived);
        if (Object.keys(derived).length > 0) {
          batch.hsetAll(sumKeys[i]!, derived, ACTIVE_KEPT_SECONDS);
          writes += 1;
        }
      }
      const sources = [k.activeInMonth(month), ...days.map((day) => k.active(day))];
      const kept = secondsKept(lastDayOf(month));
      if (setSizes[i]! > 0) figures.activeSets.set(month, [setKeys[i]!]);
      else if (kept > 0) {
        batch.unionStore(setKeys[i]!, sources, kept);
        writes += 1;
        storedSets.push([month, sources]);
        figures.activeSets.set(month, [setKeys[i]!]);
      } else figures.activeSets.set(month, sources);
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
        batch.set(countKeys[i]!, String(active), kept);
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
