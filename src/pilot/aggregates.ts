/**
 * The pilot's per-day aggregates in the store, written as each audit event is chained
 * (the recorder's onRecorded hook) — counted once, from the event, never a second way.
 *
 * Keys, all under the `{pilot}` hash tag (one Cluster slot, so a day's writes are one MULTI
 * and the active-clinician sets can be united on the server):
 *   pilot:day:<YYYY-MM-DD>     hash of counters (counter-names.ts), kept for good
 *   pilot:month:<YYYY-MM>      the same counters summed over the month, so that a long
 *                              range reads whole months instead of every day
 *   pilot:active:<YYYY-MM-DD>  set of pseudonymised clinicians who signed in that day,
 *                              kept ACTIVE_KEPT_DAYS (daily / weekly / range actives)
 *   pilot:active-week:<YYYY-Www>, pilot:active-month:<YYYY-MM>
 *                              the same clinicians per ISO week and per month (same TTL), so
 *                              that a long range unites a few large sets, not every day's
 *   pilot:funnel:<step>:<day>  set of pseudonymised clinicians who reached that enrolment step
 *   pilot:days                 sorted set of the days that have counters (score = day number)
 *   pilot:finess:<n>           name of an establishment, as PSC gives it
 *   pilot:attempt:<id>         a key failed in this sign-in attempt (one hour), to find fall-backs
 */
import { createHash } from 'node:crypto';
import type { AuditEvent } from '../audit/types.ts';
import type { KeyNames, Store } from '../store/index.ts';
import { PILOT_COUNTERS } from './counter-names.ts';
import { countsOf } from './counters.ts';
import { isoWeek } from '../calendar/paris-days.ts';

/** How long the sets of active clinicians are kept (a little over a year, for year-on-year figures). */
export const ACTIVE_KEPT_DAYS = 400;
const ACTIVE_KEPT_SECONDS = ACTIVE_KEPT_DAYS * 86_400;
/** How long a failed key is remembered in its attempt (longer than an interaction lives). */
export const ATTEMPT_KEPT_SECONDS = 3_600;

export interface PilotKeys {
  day(day: string): string;
  month(month: string): string;
  active(day: string): string;
  activeInWeek(week: string): string;
  activeInMonth(month: string): string;
  funnel(step: string, day: string): string;
  days: string;
  establishment(finess: string): string;
  attempt(attempt: string): string;
}

export function pilotKeys(keyNames: KeyNames): PilotKeys {
  return {
    day: (day) => keyNames.custom('pilot', 'day', day),
    month: (month) => keyNames.custom('pilot', 'month', month),
    active: (day) => keyNames.custom('pilot', 'active', day),
    activeInWeek: (week) => keyNames.custom('pilot', 'active-week', week),
    activeInMonth: (month) => keyNames.custom('pilot', 'active-month', month),
    funnel: (step, day) => keyNames.custom('pilot', 'funnel', step, day),
    days: keyNames.custom('pilot', 'days'),
    establishment: (finess) => keyNames.custom('pilot', 'finess', finess),
    attempt: (attempt) => keyNames.custom('pilot', 'attempt', attempt),
  };
}

/** The day number the `pilot:days` sorted set scores a day with. */
export function dayScore(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 86_400_000;
}

/** Clinicians are counted, never named, in the aggregates. */
export function pseudonym(idNat: string): string {
  return createHash('sha256').update(`pilot:${idNat}`).digest('base64url').slice(0, 16);
}

export interface PilotAggregates {
  /** Adds one chained audit event to its day's figures. */
  apply(event: AuditEvent): Promise<void>;
}

export function createPilotAggregates(store: Store, keyNames: KeyNames): PilotAggregates {
  const k = pilotKeys(keyNames);
  const daysKnown = new Set<string>();
  return {
    async apply(event) {
      const counts = countsOf(event);
      if (counts.pscSignInIn && (await store.take(k.attempt(counts.pscSignInIn))) !== null) {
        counts.increments.set(PILOT_COUNTERS.fallbackKeyToPsc, 1);
      }
      const batch = store.batch();
      let writes = 0;
      for (const [field, by] of counts.increments) {
        batch.hincrby(k.day(counts.day), field, by);
        batch.hincrby(k.month(counts.day.slice(0, 7)), field, by);
        writes += 1;
      }
      if (counts.active) {
        const member = [pseudonym(counts.active)];
        batch.sadd(k.active(counts.day), member, ACTIVE_KEPT_SECONDS);
        batch.sadd(k.activeInWeek(isoWeek(counts.day)), member, ACTIVE_KEPT_SECONDS);
        batch.sadd(k.activeInMonth(counts.day.slice(0, 7)), member, ACTIVE_KEPT_SECONDS);
        writes += 1;
      }
      if (counts.funnelStep) {
        batch.sadd(k.funnel(counts.funnelStep.step, counts.day), [pseudonym(counts.funnelStep.actor)], ACTIVE_KEPT_SECONDS);
        writes += 1;
      }
      if (counts.keyFailedIn) {
        batch.set(k.attempt(counts.keyFailedIn), '1', ATTEMPT_KEPT_SECONDS);
        writes += 1;
      }
      for (const [finess, name] of counts.establishments ?? []) if (name) batch.set(k.establishment(finess), name.slice(0, 120));
      if (writes === 0) return;
      await batch.exec();
      if (counts.increments.size && !daysKnown.has(counts.day)) {
        await store.zadd(k.days, dayScore(counts.day), counts.day);
        daysKnown.add(counts.day);
      }
    },
  };
}
