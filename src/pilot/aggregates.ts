/**
 * The pilot's per-day aggregates in the store, written as each audit event is chained
 * (the recorder's onRecorded hook) — counted once, from the event, never a second way.
 *
 * Keys, all under the `{pilot}` hash tag (one Cluster slot, so that a write is one script call
 * and the active-clinician sets can be united on the server):
 *   pilot:day:<YYYY-MM-DD>     hash of counters (counter-names.ts), by name or combined
 *                              (day-counters.ts), kept for good
 *   pilot:active:<YYYY-MM-DD>  set of pseudonymised clinicians who signed in that day,
 *                              kept ACTIVE_KEPT_DAYS (daily / weekly / monthly / range actives)
 *   pilot:funnel:<step>:<day>  set of pseudonymised clinicians who reached that enrolment step
 *   pilot:days                 sorted set of the days that have counters (score = day number)
 *   pilot:finess:<n>           name of an establishment, as PSC gives it
 *   pilot:attempt:<id>         a key failed in this sign-in attempt (one hour), to find fall-backs
 *   pilot:late                 hash: `month:<YYYY-MM>`, `week:<YYYY-Www>` → the generation of that
 *                              period, bumped by an event counted in a day before the writer's today
 * Only the day's keys: a month's counters and a week's or a month's distinct clinicians are
 * derived when the figures are read (figures.ts), and kept once their period is closed
 * (closed-periods.ts: `pilot:closed:…`, named after the period's generation, which a late
 * event bumps in the same write, so that a summary it outdates is no longer read).
 *
 * Legacy keys, written by the releases before the day-only layout and read by figures.ts
 * while they exist (written here only with `writeMonthKeys`, for a rollback):
 *   pilot:month:<YYYY-MM>      the day counters summed over the month, kept for good
 *   pilot:active-week:<YYYY-Www>, pilot:active-month:<YYYY-MM>
 *                              the active clinicians per ISO week and per month (same TTL)
 *
 * A set's TTL is sent only by a write that adds a member to it (SetExpiry 'when-added'): a
 * clinician's second sign-in of the day sends no EXPIRE, and a set always has its TTL, even one
 * another instance created or one Redis lost and a later write created again.
 *
 * Events applied together share one write. Every chained event is applied before the request
 * that recorded it is answered (the recorder's onRecorded), so under load many are applied at
 * once, and one batch each would cost each event its HINCRBYs and SADDs. The
 * events applied in the same tick, or while a write is in flight, go in the next write
 * together: the increments of one field summed into one HINCRBY, the members of one set added
 * by one SADD, each set's expiry at most once, at most MAX_EVENTS_PER_WRITE events. Each apply()
 * still resolves only once the write that carries its event has succeeded, and rejects when it
 * failed, as with a batch of its own. Alone, an event waits for no one: its write starts at
 * the end of the tick that applied it.
 */
import { createHash } from 'node:crypto';
import type { AuditEvent } from '../audit/types.ts';
import type { KeyNames, Store } from '../store/index.ts';
import { awaitShared, sharedWork, withinDeadline } from '../store/answer-deadline.ts';
import { PILOT_COUNTERS } from './counter-names.ts';
import { countsOf, type EventCounts } from './counters.ts';
import { dayFieldsOf } from './day-counters.ts';
import { isoWeek, parisDay } from '../calendar/paris-days.ts';

/** How long each day's sets of clinicians are kept (a little over a year, for year-on-year figures). */
export const ACTIVE_KEPT_DAYS = 400;
const ACTIVE_KEPT_SECONDS = ACTIVE_KEPT_DAYS * 86_400;
/** How long a failed key is remembered in its attempt (longer than an interaction lives). */
export const ATTEMPT_KEPT_SECONDS = 3_600;

export interface PilotKeys {
  day(day: string): string;
  active(day: string): string;
  /** Legacy (see the header): read while they exist, written only with writeMonthKeys. */
  month(month: string): string;
  activeInWeek(week: string): string;
  activeInMonth(month: string): string;
  funnel(step: string, day: string): string;
  days: string;
  establishment(finess: string): string;
  attempt(attempt: string): string;
  late: string;
  /** Summaries of closed periods (closed-periods.ts), under their period's generation. */
  closedMonth(month: string, generation: string): string;
  closedActiveMonth(month: string, generation: string): string;
  closedActiveWeek(week: string, generation: string): string;
}

export function pilotKeys(keyNames: KeyNames): PilotKeys {
  return {
    day: (day) => keyNames.custom('pilot', 'day', day),
    active: (day) => keyNames.custom('pilot', 'active', day),
    month: (month) => keyNames.custom('pilot', 'month', month),
    activeInWeek: (week) => keyNames.custom('pilot', 'active-week', week),
    activeInMonth: (month) => keyNames.custom('pilot', 'active-month', month),
    funnel: (step, day) => keyNames.custom('pilot', 'funnel', step, day),
    days: keyNames.custom('pilot', 'days'),
    establishment: (finess) => keyNames.custom('pilot', 'finess', finess),
    attempt: (attempt) => keyNames.custom('pilot', 'attempt', attempt),
    late: keyNames.custom('pilot', 'late'),
    closedMonth: (month, generation) => keyNames.custom('pilot', 'closed', 'month', month, generation),
    closedActiveMonth: (month, generation) => keyNames.custom('pilot', 'closed', 'active-month', month, generation),
    closedActiveWeek: (week, generation) => keyNames.custom('pilot', 'closed', 'active-week', week, generation),
  };
}

/** The fields of `pilot:late` that hold a month's and an ISO week's generation. */
export const lateMonthField = (month: string) => `month:${month}`;
export const lateWeekField = (week: string) => `week:${week}`;

/** The day number the `pilot:days` sorted set scores a day with. */
export function dayScore(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 86_400_000;
}

/** Clinicians are counted, never named, in the aggregates. */
export function pseudonym(idNat: string): string {
  return createHash('sha256').update(`pilot:${idNat}`).digest('base64url').slice(0, 16);
}

/** The most events one write carries; later ones wait for the next (a script runs alone on Redis: it is kept short). */
export const MAX_EVENTS_PER_WRITE = 100;

export interface PilotAggregatesOptions {
  /**
   * Also write the legacy month hashes and ISO-week and month sets of active clinicians, as the
   * releases before the day-only layout did, so that rolling back to one of them shows the same
   * figures; and a day's counters by name only, with no combined field (day-counters.ts), all
   * that the releases before those fields read (PILOT_WRITE_MONTH_KEYS, docs/operations.md §Upgrades).
   * Costs a sign-in 13 HINCRBY and 2 SADD more (and 2 EXPIRE for a clinician's first sign-in of
   * the day). Default false.
   */
  writeMonthKeys?: boolean;
  /** The writer's clock (default Date.now): an event counted in an earlier Paris day is late (it bumps its period's generation). */
  now?: () => number;
}

export interface PilotAggregates {
  /** Adds one chained audit event to its day's figures; resolves once it is written (in a write shared with other events). */
  apply(event: AuditEvent): Promise<void>;
}

/** What the events gathered for one write add up to, and the apply() calls that wait for it. */
interface PendingWrite {
  /** The writer's Paris day when the write was opened: an event of an earlier day is late. */
  today: string;
  events: number;
  /** Hash key → field → the sum of the events' increments. */
  increments: Map<string, Map<string, number>>;
  /** Set key → members; every one of these sets is kept ACTIVE_KEPT_SECONDS from the last write that added a member. */
  members: Map<string, Set<string>>;
  /** String key → the value and TTL of the last event that set it. */
  strings: Map<string, { value: string; ttlSeconds?: number }>;
  /** Days given counters, to be listed in `pilot:days`. */
  days: Set<string>;
  /** Attempt keys marked by a failed key in this write. */
  marks: string[];
  waiting: Array<{ resolve(): void; reject(err: unknown): void }>;
  /** Resolves once the write has succeeded or failed (never rejects). */
  settled: Promise<void>;
  settle(): void;
}

function pendingWrite(today: string): PendingWrite {
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  return { today, events: 0, increments: new Map(), members: new Map(), strings: new Map(), days: new Set(), marks: [], waiting: [], settled, settle };
}

/** Whether the event changes anything in the store (establishment names only come with a sign-in's counters). */
function writesSomething(counts: EventCounts): boolean {
  return counts.increments.size > 0 || counts.active !== undefined || counts.funnelStep !== undefined || counts.keyFailedIn !== undefined;
}

export function createPilotAggregates(store: Store, keyNames: KeyNames, options: PilotAggregatesOptions = {}): PilotAggregates {
  const k = pilotKeys(keyNames);
  const writeMonthKeys = options.writeMonthKeys === true;
  const now = options.now ?? Date.now;
  const daysKnown = new Set<string>();
  // Writes not sent yet, oldest first; only the last one still takes events. `writing` is true
  // from the first event of an idle moment until the queue is empty again: one write at a time.
  const queue: PendingWrite[] = [];
  let writing = false;
  // Attempt key → the write, queued or in flight, that marks it (see apply).
  const unwrittenMarks = new Map<string, PendingWrite>();

  const gather = (write: PendingWrite, counts: EventCounts) => {
    write.events += 1;
    const increment = (key: string, field: string, by: number) => {
      let fields = write.increments.get(key);
      if (!fields) write.increments.set(key, (fields = new Map()));
      fields.set(field, (fields.get(field) ?? 0) + by);
    };
    const add = (key: string, member: string) => {
      const members = write.members.get(key);
      if (members) members.add(member);
      else write.members.set(key, new Set([member]));
    };
    // The releases before the combined fields read a day's counters by name only: a rollback's
    // writes keep them so (writeMonthKeys).
    for (const [field, by] of writeMonthKeys ? counts.increments : dayFieldsOf(counts.increments)) increment(k.day(counts.day), field, by);
    if (writeMonthKeys) for (const [field, by] of counts.increments) increment(k.month(counts.day.slice(0, 7)), field, by);
    if (counts.increments.size) write.days.add(counts.day);
    // A summary of the event's month or week may have been kept (closed-periods.ts): its new
    // generation, in the same write as the counts, stops it being read.
    if (counts.day < write.today && (counts.increments.size > 0 || counts.active)) {
      increment(k.late, lateMonthField(counts.day.slice(0, 7)), 1);
      increment(k.late, lateWeekField(isoWeek(counts.day)), 1);
    }
    if (counts.active) {
      const member = pseudonym(counts.active);
      add(k.active(counts.day), member);
      if (writeMonthKeys) {
        add(k.activeInWeek(isoWeek(counts.day)), member);
        add(k.activeInMonth(counts.day.slice(0, 7)), member);
      }
    }
    if (counts.funnelStep) add(k.funnel(counts.funnelStep.step, counts.day), pseudonym(counts.funnelStep.actor));
    if (counts.keyFailedIn) {
      const mark = k.attempt(counts.keyFailedIn);
      write.strings.set(mark, { value: '1', ttlSeconds: ATTEMPT_KEPT_SECONDS });
      write.marks.push(mark);
      unwrittenMarks.set(mark, write);
    }
    for (const [finess, name] of counts.establishments ?? []) if (name) write.strings.set(k.establishment(finess), { value: name.slice(0, 120) });
  };

  const send = async (write: PendingWrite) => {
    const batch = store.batch();
    for (const [key, fields] of write.increments) for (const [field, by] of fields) batch.hincrby(key, field, by);
    // Every write of these sets gives them the same TTL, and none adds without it: 'when-added'
    // (store.ts SetExpiry) sends one plain EXPIRE only when the SADD added a member.
    for (const [key, members] of write.members) batch.sadd(key, [...members], ACTIVE_KEPT_SECONDS, 'when-added');
    for (const [key, { value, ttlSeconds }] of write.strings) batch.set(key, value, ttlSeconds);
    await batch.exec();
    const newDays = [...write.days].filter((day) => !daysKnown.has(day));
    await Promise.all(
      newDays.map(async (day) => {
        await store.zadd(k.days, dayScore(day), day);
        daysKnown.add(day);
      }),
    );
  };

  const sendNext = () => {
    const write = queue.shift();
    if (!write) {
      writing = false;
      return;
    }
    // The write serves several requests: it runs outside any one request's scope, with a store
    // deadline of its own (answer-deadline.ts), and each apply() waits for it within its own.
    void sharedWork(() => send(write))
      .then(
        () => {
          for (const w of write.waiting) w.resolve();
        },
        (err: unknown) => {
          for (const w of write.waiting) w.reject(err);
        },
      )
      .finally(() => {
        for (const mark of write.marks) if (unwrittenMarks.get(mark) === write) unwrittenMarks.delete(mark);
        write.settle();
        sendNext();
      });
  };

  const join = (counts: EventCounts) =>
    new Promise<void>((resolve, reject) => {
      let write = queue.at(-1);
      if (!write || write.events >= MAX_EVENTS_PER_WRITE) queue.push((write = pendingWrite(parisDay(now()))));
      gather(write, counts);
      write.waiting.push({ resolve, reject });
      if (!writing) {
        writing = true;
        // At the end of the tick, so that the events applied in it go in the same write.
        queueMicrotask(sendNext);
      }
    });

  return {
    async apply(event) {
      const counts = countsOf(event);
      // A fall-back is found by taking the attempt's mark of a failed key: a read, so one per
      // event, before the event joins a write. In the gateway the failed key's event is written
      // before its request is answered, so before the PSC sign-in of the attempt is recorded;
      // where both are applied at once (a replay, the pilot bench), the take still follows the
      // mark of an event applied before it, as when each event sent its batch at once: it
      // waits for the write that carries the mark.
      if (counts.pscSignInIn) {
        const mark = k.attempt(counts.pscSignInIn);
        const marking = unwrittenMarks.get(mark);
        if (marking) await awaitShared(marking.settled, 'pilot aggregates write');
        if ((await store.take(mark)) !== null) counts.increments.set(PILOT_COUNTERS.fallbackKeyToPsc, 1);
      }
      if (!writesSomething(counts)) return;
      // A request whose store already missed its deadline adds nothing to a write, as its own
      // batch was not sent either; otherwise it waits for the write at most its own deadline.
      await withinDeadline(() => join(counts), 'pilot aggregates write');
    },
  };
}
