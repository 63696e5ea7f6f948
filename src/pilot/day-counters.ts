/**
 * How an event's counters are stored in a day's hash: the counters a reader asks for by name
 * (HMGET: the daily series and the all-time totals, READ_BY_NAME) are fields of their own; the
 * event's other counters that go up by the same amount share one combined field, named after
 * all of them. A key sign-in adds to eight counters: `signin` and its method group are read by
 * name, the six others (method, level, phishing resistance, client, profession, duration) are one
 * field, so the write is 3 HINCRBY and not 8. Events with the same counters add to the same
 * combined field.
 *
 * A day's hash read whole (HGETALL) is expanded (expandCounters) before anything sums it:
 * every reader then sees the counters by name as before. A day's hash may hold both kinds
 * (written before and after this layout), and the legacy month hashes and the summaries of
 * closed months hold counters by name only.
 */
import { METHOD_GROUPS } from './method-groups.ts';
import { PILOT_COUNTERS as C } from './counter-names.ts';

/** The all-time totals' counters (clinicians linked, with a key), read by name from the days before a range. */
export const TOTAL_FIELDS: string[] = [C.linked, C.keyholdersGained, C.keyholdersLost];

/** The counters of each day that the daily series shows, read by name for the days of a closed month (its totals come from its summary). */
export const DAILY_FIELDS: string[] = [
  C.signIn,
  ...METHOD_GROUPS.map((g) => `${C.signInGroup}${g}`),
  C.failure,
  C.fallbackKeyToPsc,
  C.stepUpAsked,
  C.delegationSignIn,
  ...TOTAL_FIELDS,
];

const READ_BY_NAME = new Set<string>(DAILY_FIELDS);

/** Starts a combined field; no counter name starts with it, and none holds the separator (counters.ts `part`). */
const COMBINED = '&';
const SEPARATOR = '|';

/**
 * The fields one event adds to in a day's hash: the counters read by name as they are, the
 * others grouped by increment, each group of two or more as one combined field (its counters in
 * sorted order, so that every event with the same counters adds to the same field).
 */
export function dayFieldsOf(increments: ReadonlyMap<string, number>): Map<string, number> {
  const fields = new Map<string, number>();
  const byIncrement = new Map<number, string[]>();
  for (const [counter, by] of increments) {
    if (READ_BY_NAME.has(counter)) fields.set(counter, by);
    else byIncrement.set(by, [...(byIncrement.get(by) ?? []), counter]);
  }
  for (const [by, counters] of byIncrement) {
    const field = counters.length === 1 ? counters[0]! : COMBINED + [...counters].sort().join(SEPARATOR);
    fields.set(field, (fields.get(field) ?? 0) + by);
  }
  return fields;
}

/** A day's hash as counters by name: each combined field's count added to every counter it names. */
export function expandCounters(hash: Record<string, string> | null): Record<string, string> | null {
  if (!hash) return hash;
  const sums = new Map<string, number>();
  for (const [field, value] of Object.entries(hash)) {
    const counters = field.startsWith(COMBINED) ? field.slice(COMBINED.length).split(SEPARATOR) : [field];
    for (const counter of counters) sums.set(counter, (sums.get(counter) ?? 0) + Number(value));
  }
  return Object.fromEntries([...sums].map(([counter, sum]) => [counter, String(sum)]));
}
