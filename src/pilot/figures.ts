/**
 * Reads the pilot's figures for a range of Paris days from the aggregates (aggregates.ts),
 * which hold only days: the range's totals are the sums of its closed months (kept once
 * derived, closed-periods.ts) and of its other days' hashes, read whole, once, for the totals
 * and the daily series; the all-time totals before it come from the summaries of the closed
 * months before it and a few fields of its first month's earlier days; distinct clinicians are
 * counted on the server over the union of day sets (per day, ISO week, range), a closed month
 * or week from its summary. Everything independent is sent at once (auto-pipelined): three
 * round trips, two or three more when a closed period's summary is derived.
 * Nothing here scans the audit trail, so reading stays fast however many events there are
 * (bench/pilot-figures.ts).
 *
 * Legacy keys (the month hashes and sets of active clinicians per ISO week and month that the
 * releases before the day-only layout wrote) join the unions of the weeks and months the
 * range covers whole: while one exists it holds every day set of its period that those
 * releases wrote, also once that day set has expired, so that the union is the old figure —
 * also for a period cut by the upgrade, its days written partly by the old release. The month
 * hashes are read only for a month whose days hold nothing (a lost day): the day hashes are
 * kept for good, were always written with them, and add up to them.
 */
import { HIGH, SUBSTANTIAL } from '../assurance/levels.ts';
import type { KeyNames, Store } from '../store/index.ts';
import { daysFrom, isoWeek, parisDay } from '../calendar/paris-days.ts';
import { pilotKeys, dayScore } from './aggregates.ts';
import { bucketQuantile } from './durations.ts';
import { METHOD_GROUPS, methodGroup, type MethodGroup } from './method-groups.ts';
import { PILOT_COUNTERS as C, parseDurationCounter } from './counter-names.ts';
import { FUNNEL_STEPS, type FunnelStep } from './counters.ts';
import { isClosed, lastDayOf, readClosedPeriods, type ClosedWeek } from './closed-periods.ts';
import { DAILY_FIELDS, TOTAL_FIELDS, expandCounters } from './day-counters.ts';

export interface Share {
  count: number;
  /** count / total, between 0 and 1 (0 when the total is 0). */
  share: number;
}

export interface Ranked<K extends string> extends Share {
  key: K | string;
}

export interface DailyFigures {
  day: string;
  signIns: number;
  byGroup: Record<MethodGroup, number>;
  /** Clinicians who signed in that day. */
  active: number;
  failures: number;
  fallbacks: number;
  stepUps: number;
  /** Clinicians linked to PSC at the end of the day (all time). */
  linked: number;
  /** Clinicians with at least one key at the end of the day (all time). */
  withKey: number;
  /** Sign-ins to national services through delegation (PSC sans couture) that day. */
  delegated: number;
}

export interface WeeklyFigures {
  week: string;
  /** First and last day of the week inside the range. */
  from: string;
  to: string;
  /** True when the range cuts the week. */
  partial: boolean;
  active: number;
}

export interface TimeToSignIn {
  method: string;
  group: MethodGroup;
  count: number;
  /** Bucket upper bounds in ms (durations.ts); undefined without sign-ins. */
  medianMs?: number;
  p90Ms?: number;
}

export interface PilotFigures {
  range: { from: string; to: string; days: number; timeZone: 'Europe/Paris' };
  clinicians: {
    /** Linked to PSC at the end of the range (all time). */
    linked: number;
    /** First linked during the range. */
    newlyLinked: number;
    /** With at least one key at the end of the range (all time). */
    withKey: number;
    /** withKey / linked. */
    withKeyShare: number;
    /** Distinct clinicians who signed in during the range. */
    active: number;
    /** Average of the daily active counts over the range's days. */
    dailyActiveAverage: number;
  };
  /**
   * Enrolment offer after PSC: events (one clinician may be offered a key at each PSC
   * sign-in) and distinct clinicians per step; completionRate = clinicians who completed /
   * clinicians offered.
   */
  funnel: {
    offered: number;
    started: number;
    completed: number;
    skipped: number;
    refused: number;
    clinicians: Record<FunnelStep, number>;
    completionRate: number;
  };
  signIns: {
    total: number;
    byGroup: Array<Ranked<MethodGroup>>;
    byMethod: Array<Ranked<string>>;
    byAcr: Array<Ranked<string>>;
    atLeastEidas2: Share;
    eidas3: Share;
    phishingResistant: Share;
    byClient: Array<Ranked<string>>;
    byProfession: Array<Ranked<string>>;
    byEstablishment: Array<Ranked<string> & { name: string }>;
  };
  timeToSignIn: TimeToSignIn[];
  failures: { total: number; byReason: Array<Ranked<string>>; byMethod: Array<Ranked<string>>; pscErrors: Array<Ranked<string>>; fallbacksKeyToPsc: number };
  stepUps: { asked: number; met: number; unmet: number };
  /**
   * PSC sans couture: sign-ins Pro Santé Connect delegated to the gateway (for national
   * services), and the pairing funnel as the gateway sees it: clinicians delegated for the first
   * time (PSC shows its pairing screen), then coming back through delegation (the pairing held);
   * returnRate = returned / firstUse.
   */
  delegation: {
    requested: number;
    signIns: number;
    refused: number;
    refusedByReason: Array<Ranked<string>>;
    pairing: { firstUse: number; returned: number; returnRate: number };
  };
  keys: {
    enrolled: number;
    enrolledAfterPsc: number;
    enrolledFromAccount: number;
    revoked: number;
    revokedBy: Array<Ranked<string>>;
    expired: number;
    confirmed: number;
  };
  /** Sessions the gateway ended (idle, absolute, revoked), and those that had lasted more than 4 h. */
  sessions: { ended: number; over4h: number };
  /** Emergency access codes issued and used (RIE report). */
  emergency: { issued: number; used: number };
  daily: DailyFigures[];
  weekly: WeeklyFigures[];
}

type Counters = Map<string, number>;

function sumInto(target: Counters, hash: Record<string, string> | null): void {
  for (const [field, value] of Object.entries(hash ?? {})) target.set(field, (target.get(field) ?? 0) + Number(value));
}

const share = (count: number, total: number): Share => ({ count, share: total > 0 ? count / total : 0 });

/** Counters `<prefix><key>` as a list, largest first (ties by key). */
function ranked(counters: Counters, prefix: string, total: number): Array<Ranked<string>> {
  const rows: Array<Ranked<string>> = [];
  for (const [field, count] of counters) {
    if (field.startsWith(prefix) && count !== 0) rows.push({ key: field.slice(prefix.length), ...share(count, total) });
  }
  return rows.sort((a, b) => b.count - a.count || String(a.key).localeCompare(String(b.key)));
}

const get = (counters: Counters, field: string) => counters.get(field) ?? 0;

/** Sign-ins per method group, from the `signin.group:<g>` counters. */
function groupsOf(counters: Counters): Record<MethodGroup, number> {
  return Object.fromEntries(METHOD_GROUPS.map((g) => [g, get(counters, `${C.signInGroup}${g}`)])) as Record<MethodGroup, number>;
}

function timeToSignIn(counters: Counters): TimeToSignIn[] {
  const byMethod = new Map<string, Map<number, number>>();
  for (const [field, count] of counters) {
    const duration = parseDurationCounter(field);
    if (!duration) continue;
    const buckets = byMethod.get(duration.method) ?? new Map<number, number>();
    buckets.set(duration.bucketMs, (buckets.get(duration.bucketMs) ?? 0) + count);
    byMethod.set(duration.method, buckets);
  }
  return [...byMethod]
    .map(([method, buckets]) => ({
      method,
      group: methodGroup(method),
      count: [...buckets.values()].reduce((a, b) => a + b, 0),
      medianMs: bucketQuantile(buckets, 0.5),
      p90Ms: bucketQuantile(buckets, 0.9),
    }))
    .sort((a, b) => b.count - a.count || a.method.localeCompare(b.method));
}

function fieldsOf(fields: string[], values: (string | null)[]): Record<string, string> {
  const hash: Record<string, string> = {};
  fields.forEach((field, i) => {
    if (values[i] !== null && values[i] !== undefined) hash[field] = values[i]!;
  });
  return hash;
}

/** The months a range covers entirely. */
export function wholeMonthsOf(days: string[]): string[] {
  const first = days[0];
  const last = days.at(-1);
  const isWhole = (month: string) => first !== undefined && last !== undefined && `${month}-01` >= first && lastDayOf(month) <= last;
  return [...new Set(days.map((d) => d.slice(0, 7)))].filter(isWhole);
}

/**
 * How a range splits into months: before it, whole months and the days of the range's first
 * month; in it, the months it covers entirely (wholeMonthsOf) and its other days. The releases
 * before the day-only layout read the month hashes of the earlier and whole months; the reader
 * now reads the summaries of those that are closed, derived from their days (closed-periods.ts).
 */
export function readingPlan(days: string[], earlierDaysWithData: string[]) {
  const firstMonth = days[0]?.slice(0, 7) ?? '';
  const earlierMonths = [...new Set(earlierDaysWithData.map((d) => d.slice(0, 7)).filter((m) => m < firstMonth))];
  const earlierDays = earlierDaysWithData.filter((d) => d.slice(0, 7) === firstMonth);
  const wholeMonths = wholeMonthsOf(days);
  const edgeDays = days.filter((d) => !wholeMonths.includes(d.slice(0, 7)));
  return { earlierMonths, earlierDays, wholeMonths, edgeDays };
}

export interface PilotFiguresReader {
  read(range: { from: string; to: string }): Promise<PilotFigures>;
}

export interface PilotFiguresReaderOptions {
  /** The reader's clock (default Date.now): which periods are closed (closed-periods.ts). */
  now?: () => number;
}

/** The range's days by ISO week, in order (a week's days in the range are consecutive). */
function weeksOf(days: string[]): ClosedWeek[] {
  const weeks = new Map<string, string[]>();
  for (const day of days) weeks.set(isoWeek(day), [...(weeks.get(isoWeek(day)) ?? []), day]);
  return [...weeks].map(([week, weekDays]) => ({ week, days: weekDays }));
}

export function createPilotFiguresReader(store: Store, keyNames: KeyNames, options: PilotFiguresReaderOptions = {}): PilotFiguresReader {
  const k = pilotKeys(keyNames);
  const now = options.now ?? Date.now;

  return {
    async read({ from, to }) {
      const instant = now();
      const today = parisDay(instant);
      const days = daysFrom(from, to);
      const weeks = weeksOf(days);
      const wholeMonths = wholeMonthsOf(days);
      // Closed whole months and weeks come from their summaries; the other days one by one.
      const closedMonths = wholeMonths.filter((month) => isClosed(lastDayOf(month), today));
      const inClosedMonth = new Set(closedMonths);
      const openMonths = wholeMonths.filter((month) => !inClosedMonth.has(month));
      const openDays = days.filter((day) => !inClosedMonth.has(day.slice(0, 7)));
      const closedMonthDays = days.filter((day) => inClosedMonth.has(day.slice(0, 7)));
      const closedWeeks = weeks.filter((w) => w.days.length === 7 && isClosed(w.days[6]!, today));
      const openWeeks = weeks.filter((w) => !closedWeeks.includes(w));

      // The closed periods, and the all-time totals before the range: the closed months before
      // it from their summaries, the other earlier days (of its first month…) a few fields each.
      const closedAndEarlier = async () => {
        const [earlierDays, generations] = await Promise.all([store.zrangeUpTo(k.days, dayScore(from) - 1, 100_000), store.hgetall(k.late)]);
        const earlierMonths = readingPlan(days, earlierDays).earlierMonths.filter((month) => isClosed(lastDayOf(month), today));
        const summarised = new Set(earlierMonths);
        const earlierOpenDays = earlierDays.filter((day) => !summarised.has(day.slice(0, 7)));
        const [closed, earlierValues] = await Promise.all([
          readClosedPeriods(store, k, { months: closedMonths, earlierMonths, earlierFields: TOTAL_FIELDS, weeks: closedWeeks }, generations ?? {}, instant),
          Promise.all(earlierOpenDays.map((day) => store.hmget(k.day(day), TOTAL_FIELDS))),
        ]);
        const base: Counters = new Map();
        for (const month of earlierMonths) sumInto(base, closed.counters.get(month)!);
        for (const values of earlierValues) sumInto(base, fieldsOf(TOTAL_FIELDS, values));
        return { closed, base };
      };

      // Sent together (auto-pipelined).
      const [{ closed, base }, openHashes, closedDailyFields, activeByDay, funnelCounts, openWeekActive] = await Promise.all([
        closedAndEarlier(),
        Promise.all(openDays.map(async (day) => expandCounters(await store.hgetall(k.day(day))))),
        Promise.all(closedMonthDays.map((day) => store.hmget(k.day(day), DAILY_FIELDS))),
        Promise.all(days.map((day) => store.unionCount([k.active(day)]))),
        Promise.all(FUNNEL_STEPS.map((step) => store.unionCount(days.map((day) => k.funnel(step, day))))),
        // A whole week's legacy set joins its days (as a whole month's does below).
        Promise.all(openWeeks.map((w) => store.unionCount([...(w.days.length === 7 ? [k.activeInWeek(w.week)] : []), ...w.days.map((day) => k.active(day))]))),
      ]);
      // The daily series' fields of each day: of the hash read whole, or as read.
      const dayCounters = new Map<string, Record<string, string>>();
      openDays.forEach((day, i) =>
        dayCounters.set(
          day,
          fieldsOf(
            DAILY_FIELDS,
            DAILY_FIELDS.map((field) => openHashes[i]?.[field] ?? null),
          ),
        ),
      );
      closedMonthDays.forEach((day, i) => dayCounters.set(day, fieldsOf(DAILY_FIELDS, closedDailyFields[i]!)));

      let linked = get(base, C.linked);
      let withKey = get(base, C.keyholdersGained) - get(base, C.keyholdersLost);

      // The range's totals: its closed months' sums and its other days.
      const total: Counters = new Map();
      for (const month of closedMonths) sumInto(total, closed.counters.get(month)!);
      for (const hash of openHashes) sumInto(total, hash);

      const daily: DailyFigures[] = days.map((day, i) => {
        const counters: Counters = new Map();
        sumInto(counters, dayCounters.get(day)!);
        linked += get(counters, C.linked);
        withKey += get(counters, C.keyholdersGained) - get(counters, C.keyholdersLost);
        return {
          day,
          signIns: get(counters, C.signIn),
          byGroup: groupsOf(counters),
          active: activeByDay[i]!,
          failures: get(counters, C.failure),
          fallbacks: get(counters, C.fallbackKeyToPsc),
          stepUps: get(counters, C.stepUpAsked),
          linked,
          withKey,
          delegated: get(counters, C.delegationSignIn),
        };
      });

      const weekActive = new Map(closed.weekActive);
      openWeeks.forEach((w, i) => weekActive.set(w.week, openWeekActive[i]!));
      const weekly: WeeklyFigures[] = weeks.map((w) => ({
        week: w.week,
        from: w.days[0]!,
        to: w.days.at(-1)!,
        partial: w.days.length < 7,
        active: weekActive.get(w.week)!,
      }));

      const signIns = get(total, C.signIn);
      const establishments = ranked(total, C.signInFiness, signIns);
      const [rangeActive, names] = await Promise.all([
        store.unionCount([
          ...closedMonths.flatMap((month) => closed.activeSets.get(month)!),
          ...openMonths.map((month) => k.activeInMonth(month)),
          ...openDays.map((day) => k.active(day)),
        ]),
        store.mget(establishments.map((row) => k.establishment(String(row.key)))),
      ]);
      const funnelClinicians = Object.fromEntries(FUNNEL_STEPS.map((step, i) => [step, funnelCounts[i]!])) as Record<FunnelStep, number>;
      const acr = ranked(total, C.signInAcr, signIns);
      const eidas3 = get(total, `${C.signInAcr}${HIGH}`);
      const eidas2 = get(total, `${C.signInAcr}${SUBSTANTIAL}`);
      const groups = groupsOf(total);
      const funnel = {
        offered: get(total, C.enrolOffered),
        started: get(total, C.enrolStarted),
        completed: get(total, C.enrolCompleted),
        skipped: get(total, C.enrolSkipped),
        refused: get(total, C.enrolRefused),
      };

      return {
        range: { from, to, days: days.length, timeZone: 'Europe/Paris' },
        clinicians: {
          linked,
          newlyLinked: get(total, C.linked),
          withKey,
          withKeyShare: share(withKey, linked).share,
          active: rangeActive,
          dailyActiveAverage: days.length ? activeByDay.reduce((a, b) => a + b, 0) / days.length : 0,
        },
        funnel: { ...funnel, clinicians: funnelClinicians, completionRate: share(funnelClinicians.completed, funnelClinicians.offered).share },
        signIns: {
          total: signIns,
          byGroup: METHOD_GROUPS.map((group) => ({ key: group, ...share(groups[group], signIns) })).filter((row) => row.count > 0),
          byMethod: ranked(total, C.signInMethod, signIns),
          byAcr: acr,
          atLeastEidas2: share(eidas2 + eidas3, signIns),
          eidas3: share(eidas3, signIns),
          phishingResistant: share(get(total, C.signInPhishingResistant), signIns),
          byClient: ranked(total, C.signInClient, signIns),
          byProfession: ranked(total, C.signInProfession, signIns),
          byEstablishment: establishments.map((row, i) => ({ ...row, name: names[i] ?? '' })),
        },
        timeToSignIn: timeToSignIn(total),
        failures: {
          total: get(total, C.failure),
          byReason: ranked(total, C.failureReason, get(total, C.failure)),
          byMethod: ranked(total, C.failureMethod, get(total, C.failure)),
          pscErrors: ranked(total, C.pscFailure, 0),
          fallbacksKeyToPsc: get(total, C.fallbackKeyToPsc),
        },
        stepUps: { asked: get(total, C.stepUpAsked), met: get(total, C.stepUpMet), unmet: get(total, C.stepUpUnmet) },
        delegation: {
          requested: get(total, C.delegationRequested),
          signIns: get(total, C.delegationSignIn),
          refused: get(total, C.delegationRefused),
          refusedByReason: ranked(total, C.delegationRefusedReason, get(total, C.delegationRefused)),
          pairing: {
            firstUse: get(total, C.pairingFirst),
            returned: get(total, C.pairingReturned),
            returnRate: share(get(total, C.pairingReturned), get(total, C.pairingFirst)).share,
          },
        },
        keys: {
          enrolled: get(total, C.keysEnrolled),
          enrolledAfterPsc: get(total, C.enrolCompleted),
          enrolledFromAccount: get(total, C.keysEnrolledFromAccount),
          revoked: get(total, C.keysRevoked),
          revokedBy: ranked(total, C.keysRevokedBy, get(total, C.keysRevoked)),
          expired: get(total, C.keysExpired),
          confirmed: get(total, C.keysConfirmed),
        },
        sessions: { ended: get(total, C.sessionsEnded), over4h: get(total, C.sessionsOver4h) },
        emergency: { issued: get(total, C.emergencyIssued), used: get(total, C.emergencyUsed) },
        daily,
        weekly,
      };
    },
  };
}
