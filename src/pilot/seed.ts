/**
 * Demo activity for the pilot dashboard (`npm run pilot:seed`, seed-cli.ts): the audit events
 * a hospital pilot would record over some weeks, made up by a seeded PRNG, so the same options
 * always give the same events (no Math.random, no clock).
 *
 * The model: clinicians with fake idNats (8999…) join along a logistic adoption curve (their
 * first PSC sign-in links them); while they have no key every PSC sign-in offers one, and more
 * of them enrol as the pilot goes on. They work in shifts (days, mornings, afternoons, nights),
 * less on weekends, and sign in to the DPI a few times a shift — with their key when they have
 * one (a few key failures fall back to PSC in the same attempt), else with the CPS card or
 * e-CPS. Opening the DMP asks for a step-up to eidas3 (the card). PSC has one outage
 * afternoon; a few keys are revoked by their owners and one by the IAM team (offboarding).
 * Every event carries details.seeded = true: the trail says it is demo data.
 */
import { HIGH, SUBSTANTIAL, type Level } from '../assurance/levels.ts';
import type { AuditInput } from '../audit/types.ts';
import { addDays, isDay, PILOT_TIME_ZONE } from '../calendar/paris-days.ts';
import { mulberry32 } from './prng.ts';

export interface PilotActivityOptions {
  /** Clinicians taking part (1–9999, default 300); each joins during the span. */
  clinicians?: number;
  /** Days of activity ending on endDay (1–731, default 60). */
  days?: number;
  /** Last day of activity, included: a Paris day YYYY-MM-DD. */
  endDay: string;
  /** Seed of the PRNG (a 32-bit unsigned integer, default 42). */
  seed?: number;
  /** Leaves out what would end after this instant (epoch ms): today's activity stops at now. */
  until?: number;
}

export interface SeededEvent {
  /** When the event happened (epoch ms). */
  time: number;
  input: AuditInput;
}

export const SEED_DEFAULTS = { clinicians: 300, days: 60, seed: 42 } as const;
export const MAX_SEED_CLINICIANS = 9999;
export const MAX_SEED_DAYS = 731;

/** The sandbox's fake establishments (FINESS site numbers), with their share of clinicians. */
export const SEED_SITES = [
  { finess: '0B0193488', name: 'CHU GENERIQUE DE TEST', weight: 55 },
  { finess: '0B0211110', name: 'CENTRE HOSPITALIER DE TEST NORD', weight: 30 },
  { finess: '0B0322221', name: 'CLINIQUE DE TEST SUD', weight: 15 },
] as const;

/** TRE_G15 profession codes in a hospital mix (médecin, infirmier, pharmacien, sage-femme, kiné, orthophoniste, manipulateur ERM). */
const PROFESSIONS: ReadonlyArray<readonly [string, number]> = [
  ['10', 35],
  ['60', 45],
  ['21', 5],
  ['50', 5],
  ['70', 5],
  ['91', 2.5],
  ['98', 2.5],
];

type Shift = 'day' | 'morning' | 'afternoon' | 'night';
type KeyKind = 'synced' | 'device-bound';

/** Working hours of a shift as [start, end] seconds after midnight (Paris); night = two windows. */
const SHIFT_WINDOWS: Record<Shift, ReadonlyArray<readonly [number, number]>> = {
  day: [[8 * 3600, 19 * 3600 + 1800]],
  morning: [[6 * 3600 + 1800, 14 * 3600 + 1800]],
  afternoon: [[13 * 3600 + 1800, 21 * 3600]],
  night: [
    [0, 6 * 3600 + 1800],
    [20 * 3600 + 45 * 60, 23 * 3600 + 30 * 60],
  ],
};

const KEY_METHOD: Record<KeyKind, { method: string; amr: string[] }> = {
  synced: { method: 'webauthn-synced', amr: ['swk', 'mfa'] },
  'device-bound': { method: 'webauthn-device', amr: ['hwk', 'mfa'] },
};
const PSC_METHOD = {
  card: { method: 'psc-card', acr: HIGH, amr: ['sc', 'pin', 'mfa'], authMode: 'CARD', phishingResistant: true, median: 20_000, sigma: 0.3 },
  ecps: { method: 'psc-ecps', acr: SUBSTANTIAL, amr: ['swk', 'pin', 'mfa'], authMode: 'MOBILE', phishingResistant: false, median: 28_000, sigma: 0.35 },
} as const;
/** What each demo application asks for (config/clients.json: min_acr, phishing_resistant). */
const WANTED = {
  'demo-dpi': { level: SUBSTANTIAL, phishingResistant: false, hardwareProtected: false },
  'demo-dmp': { level: HIGH, phishingResistant: true, hardwareProtected: false },
} as const;
type ClientId = keyof typeof WANTED;

interface Clinician {
  idNat: string;
  profession: string;
  finess: string[];
  establishments: string[];
  joinDay: number;
  shift: Shift;
  /** Chance of using the CPS card rather than e-CPS for a PSC sign-in. */
  cardShare: number;
  /** Readiness to enrol a key when offered (0–1; 0 for the quarter who keep to the card). */
  affinity: number;
  preferredKind: KeyKind;
  keys: KeyKind[];
  linked: boolean;
  departed: boolean;
}

function randomTools(seed: number) {
  const next = mulberry32(seed);
  const chance = (p: number) => next() < p;
  const between = (min: number, max: number) => min + next() * (max - min);
  const pick = <T>(weighted: ReadonlyArray<readonly [T, number]>): T => {
    let left = next() * weighted.reduce((sum, [, w]) => sum + w, 0);
    for (const [value, weight] of weighted) if ((left -= weight) < 0) return value;
    return weighted.at(-1)![0];
  };
  /** Log-normal around a median (ms), clamped to [min, max]. */
  const logNormal = (median: number, sigma: number, min: number, max: number) => {
    const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    return Math.round(Math.min(max, Math.max(min, median * Math.exp(sigma * normal))));
  };
  const hex32 = () =>
    Math.floor(next() * 4_294_967_296)
      .toString(16)
      .padStart(8, '0');
  return { next, chance, between, pick, logNormal, hex32 };
}
type Random = ReturnType<typeof randomTools>;

const PARIS_PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: PILOT_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Paris wall clock minus UTC at an instant, in ms. */
function parisOffset(ms: number): number {
  const p = Object.fromEntries(PARIS_PARTS.formatToParts(ms).map((part) => [part.type, Number(part.value)]));
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(ms / 1000) * 1000;
}

/** The instant of a Paris wall-clock time: `seconds` after midnight on `day`. */
export function parisInstant(day: string, seconds: number): number {
  const wall = Date.parse(`${day}T00:00:00Z`) + Math.floor(seconds) * 1000;
  return wall - parisOffset(wall - parisOffset(wall));
}

function checkOptions(options: PilotActivityOptions) {
  const clinicians = options.clinicians ?? SEED_DEFAULTS.clinicians;
  const days = options.days ?? SEED_DEFAULTS.days;
  const seed = options.seed ?? SEED_DEFAULTS.seed;
  if (!Number.isSafeInteger(clinicians) || clinicians < 1 || clinicians > MAX_SEED_CLINICIANS)
    throw new RangeError(`clinicians: expected an integer from 1 to ${MAX_SEED_CLINICIANS}, got ${clinicians}`);
  if (!Number.isSafeInteger(days) || days < 1 || days > MAX_SEED_DAYS)
    throw new RangeError(`days: expected an integer from 1 to ${MAX_SEED_DAYS}, got ${days}`);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed: expected an integer from 0 to 4294967295, got ${seed}`);
  if (!isDay(options.endDay)) throw new RangeError(`endDay: expected a day YYYY-MM-DD, got ${JSON.stringify(options.endDay)}`);
  return { clinicians, days, seed, endDay: options.endDay, until: options.until };
}

/** Day of the adoption curve a clinician joins on: a logistic curve, steepest at 35 % of the span. */
function joinDayOf(random: Random, days: number): number {
  const logistic = (x: number) => 1 / (1 + Math.exp(-10 * (x - 0.35)));
  const v = logistic(0) + random.next() * (logistic(1) - logistic(0));
  return Math.min(days - 1, Math.floor((0.35 + Math.log(v / (1 - v)) / 10) * days));
}

function makeClinician(random: Random, index: number, days: number): Clinician {
  const profession = random.pick(PROFESSIONS);
  const shifted = profession === '60' || profession === '50';
  const shift: Shift = shifted
    ? random.pick([
        ['morning', 40],
        ['afternoon', 40],
        ['night', 20],
      ])
    : 'day';
  const sites = [random.pick(SEED_SITES.map((s) => [s, s.weight] as const))];
  if (profession === '10' && random.chance(0.15)) {
    const other = SEED_SITES.find((s) => s !== sites[0])!;
    sites.push(other);
  }
  return {
    idNat: `89990000${String(index + 1).padStart(4, '0')}`,
    profession,
    finess: sites.map((s) => s.finess),
    establishments: sites.map((s) => s.name),
    joinDay: joinDayOf(random, days),
    shift,
    cardShare: profession === '10' ? 0.45 : 0.65,
    affinity: random.chance(0.25) ? 0 : random.between(0.2, 1),
    preferredKind: random.chance(0.6) ? 'synced' : 'device-bound',
    keys: [],
    linked: false,
    departed: false,
  };
}

/** Seconds after midnight of the clinician's DPI sign-ins on a working day, at least 25 minutes apart. */
function signInTimes(random: Random, shift: Shift): number[] {
  const count = random.pick([
    [1, 40],
    [2, 35],
    [3, 18],
    [4, 7],
  ]);
  const windows = SHIFT_WINDOWS[shift];
  const total = windows.reduce((sum, [a, b]) => sum + b - a, 0);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    let offset = random.next() * total;
    for (const [a, b] of windows) {
      if (offset < b - a) {
        times.push(Math.floor(a + offset));
        break;
      }
      offset -= b - a;
    }
  }
  return times.sort((a, b) => a - b).filter((t, i, all) => i === 0 || t - all[i - 1]! >= 25 * 60);
}

function worksOn(random: Random, c: Clinician, weekday: number): boolean {
  const weekend = weekday === 0 || weekday === 6;
  if (c.shift === 'day') return random.chance(weekend ? (c.profession === '10' ? 0.15 : 0.08) : 0.8);
  return random.chance(weekend ? 0.38 : 0.64);
}

/**
 * The events, sorted by time. Throws a RangeError naming the option that is out of range.
 */
export function generatePilotActivity(options: PilotActivityOptions): SeededEvent[] {
  const { clinicians: count, days, seed, endDay, until } = checkOptions(options);
  const random = randomTools(seed);
  const firstDay = addDays(endDay, -(days - 1));
  const clinicians = Array.from({ length: count }, (_, i) => makeClinician(random, i, days));
  const events: SeededEvent[] = [];
  const attempts = new Set<string>();
  // One PSC outage afternoon, about two thirds into the span; the IAM team offboards someone at 80 %.
  const outageDay = Math.floor(days * 0.65);
  const outage = [14 * 3600 + 10 * 60, 15 * 3600 + 25 * 60] as const;
  const offboardingDay = count >= 20 && days >= 5 ? Math.floor(days * 0.8) : -1;

  const newAttempt = () => {
    let id = random.hex32() + random.hex32();
    while (attempts.has(id)) id = random.hex32() + random.hex32();
    attempts.add(id);
    return id;
  };

  /** Events of one sign-in attempt (or portal visit), in order; kept only when it ends before `until`. */
  const sequence = (start: number) => {
    const batch: SeededEvent[] = [];
    let now = start;
    return {
      get now() {
        return now;
      },
      wait(ms: number) {
        now += Math.max(1, Math.round(ms));
      },
      add(input: AuditInput) {
        if (batch.length && now <= batch.at(-1)!.time) now = batch.at(-1)!.time + 1;
        // Every type's details may carry `seeded` (CommonAuditDetails): the spread keeps the input's type.
        batch.push({ time: now, input: { ...input, details: { ...input.details, seeded: true } } as AuditInput });
      },
      /** Keeps the events (unless they end after `until`); returns when the last one happened. */
      commit(): number {
        if (batch.length && (until === undefined || batch.at(-1)!.time <= until)) events.push(...batch);
        return now;
      },
    };
  };
  type Sequence = ReturnType<typeof sequence>;

  /** The offer after a PSC sign-in by a clinician without a key; the share who enrol grows with `progress`. */
  const offerKey = (s: Sequence, c: Clinician, clientId: ClientId, attempt: string, progress: number) => {
    const base = { actor: c.idNat, profession: c.profession, clientId };
    s.wait(random.between(800, 2500));
    s.add({ type: 'key.offered', outcome: 'info', ...base, details: { required: false, attempt } });
    if (!random.chance(c.affinity * (0.04 + 0.16 * progress))) {
      s.wait(random.logNormal(4000, 0.4, 1500, 20_000));
      s.add({ type: 'key.skipped', outcome: 'info', ...base, details: { attempt } });
      return;
    }
    s.wait(random.logNormal(6000, 0.4, 2000, 30_000));
    s.add({ type: 'key.enrolment_started', outcome: 'info', ...base, details: { via: 'after-psc', attempt } });
    s.wait(random.logNormal(18_000, 0.4, 6000, 90_000));
    if (random.chance(0.86)) {
      const kind = c.preferredKind;
      c.keys.push(kind);
      s.add({ type: 'key.enrolled', outcome: 'success', ...base, details: { via: 'after-psc', kind, keys: c.keys.length, attempt } });
      return;
    }
    if (random.chance(0.5))
      s.add({
        type: 'key.enrolled',
        outcome: 'failure',
        ...base,
        reason: random.chance(0.6) ? 'user-verification-missing' : 'challenge-expired',
        details: { attempt },
      });
    s.wait(random.logNormal(5000, 0.4, 1500, 20_000));
    s.add({ type: 'key.skipped', outcome: 'info', ...base, details: { attempt } });
  };

  /** Through PSC, from `s.now`: verified (then the key offer, when keyless) or failed. */
  const viaPsc = (s: Sequence, c: Clinician, clientId: ClientId, attempt: string, options: { card: boolean; outage: boolean }) => {
    const psc = options.card ? PSC_METHOD.card : PSC_METHOD.ecps;
    const failure = options.outage && random.chance(0.75) ? 'unavailable' : random.chance(0.004) ? 'unavailable' : random.chance(0.006) ? 'refused' : undefined;
    if (failure) {
      s.wait(failure === 'unavailable' ? random.between(3000, 30_000) : random.logNormal(psc.median, psc.sigma, 8000, 90_000));
      s.add({ type: 'psc.failed', outcome: 'failure', clientId, reason: failure, details: { attempt } });
      s.wait(random.between(4000, 40_000));
      s.add({ type: 'signin.failed', outcome: 'failure', clientId, reason: `psc-${failure}`, details: { attempt } });
      return undefined;
    }
    s.wait(random.logNormal(psc.median, psc.sigma, 9000, 90_000));
    const created = !c.linked;
    c.linked = true;
    s.add({
      type: 'psc.verified',
      outcome: 'success',
      actor: c.idNat,
      profession: c.profession,
      clientId,
      details: { method: psc.method, acr: psc.acr, authMode: psc.authMode, created, attempt },
    });
    return psc;
  };

  const succeeded = (
    s: Sequence,
    c: Clinician,
    clientId: ClientId,
    attempt: string,
    start: number,
    how: { method: string; acr: Level; amr: readonly string[]; phishingResistant: boolean },
  ) => {
    s.wait(random.between(150, 900));
    s.add({
      type: 'signin.succeeded',
      outcome: 'success',
      actor: c.idNat,
      profession: c.profession,
      clientId,
      details: {
        method: how.method,
        acr: how.acr,
        amr: [...how.amr],
        phishingResistant: how.phishingResistant,
        durationMs: s.now - start,
        finess: c.finess,
        establishments: c.establishments,
        attempt,
      },
    });
  };

  /** A sign-in to the DPI at `start`: a key when the clinician has one, else PSC. */
  const dpiSignIn = (c: Clinician, start: number, progress: number, inOutage: boolean) => {
    const clientId: ClientId = 'demo-dpi';
    const attempt = newAttempt();
    const s = sequence(start);
    s.add({ type: 'signin.started', outcome: 'info', clientId, details: { reasons: ['login'], ...WANTED[clientId], attempt } });
    if (random.chance(0.01)) {
      s.wait(random.between(5000, 120_000));
      s.add({ type: 'signin.failed', outcome: 'failure', clientId, reason: 'cancelled', details: { attempt } });
      return s.commit();
    }
    const key = c.keys.length && random.chance(0.94) ? c.keys[Math.floor(random.next() * c.keys.length)]! : undefined;
    if (key) {
      if (!random.chance(0.04)) {
        s.wait(random.logNormal(3600, 0.33, 1200, 15_000) - 500);
        succeeded(s, c, clientId, attempt, start, { ...KEY_METHOD[key], acr: SUBSTANTIAL, phishingResistant: true });
        return s.commit();
      }
      // The key fails; the clinician falls back to PSC in the same attempt.
      const reason = random.chance(0.6) ? 'user-verification-missing' : 'challenge-expired';
      s.wait(reason === 'challenge-expired' ? random.between(120_000, 180_000) : random.logNormal(5000, 0.4, 1500, 20_000));
      if (reason === 'user-verification-missing')
        s.add({ type: 'key.uv_missing', outcome: 'failure', actor: c.idNat, clientId, details: { ceremony: 'sign-in', attempt } });
      s.add({
        type: 'signin.failed',
        outcome: 'failure',
        clientId,
        reason,
        ...(reason === 'user-verification-missing' ? { actor: c.idNat } : {}),
        details: { method: 'webauthn', ceremony: 'sign-in', attempt },
      });
    }
    const psc = viaPsc(s, c, clientId, attempt, { card: random.chance(c.cardShare), outage: inOutage });
    if (psc) {
      if (c.keys.length === 0) offerKey(s, c, clientId, attempt, progress);
      succeeded(s, c, clientId, attempt, start, psc);
    }
    return s.commit();
  };

  /** Opening the DMP (eidas3, phishing-resistant): a step-up when a DPI session exists, met with the card. */
  const dmpSignIn = (c: Clinician, start: number, progress: number, inOutage: boolean, stepUp: boolean) => {
    const clientId: ClientId = 'demo-dmp';
    const attempt = newAttempt();
    const s = sequence(start);
    const actor = stepUp ? { actor: c.idNat } : {};
    s.add({
      type: 'signin.started',
      outcome: 'info',
      clientId,
      ...actor,
      details: { reasons: [stepUp ? 'assurance_insufficient' : 'login'], ...WANTED[clientId], attempt },
    });
    if (stepUp) s.add({ type: 'stepup.asked', outcome: 'info', clientId, ...actor, details: { ...WANTED[clientId], attempt } });
    const psc = viaPsc(s, c, clientId, attempt, { card: random.chance(0.96), outage: inOutage });
    if (!psc) return s.commit();
    if (psc.acr !== HIGH) {
      s.wait(random.between(200, 600));
      s.add({
        type: 'stepup.unmet',
        outcome: 'failure',
        actor: c.idNat,
        clientId,
        reason: 'means-used-falls-short',
        details: { method: psc.method, acr: psc.acr, level: HIGH, phishingResistant: true, attempt },
      });
      s.wait(random.between(5000, 30_000));
      s.add({ type: 'signin.failed', outcome: 'failure', actor: c.idNat, clientId, reason: 'unmet_authentication_requirements', details: { attempt } });
      return s.commit();
    }
    if (c.keys.length === 0) offerKey(s, c, clientId, attempt, progress);
    succeeded(s, c, clientId, attempt, start, psc);
    if (stepUp)
      s.add({
        type: 'stepup.met',
        outcome: 'success',
        actor: c.idNat,
        profession: c.profession,
        clientId,
        details: { method: psc.method, acr: psc.acr, attempt },
      });
    return s.commit();
  };

  /** /account after the shift, now and then: a second key, or a key revoked (lost phone, new key). */
  const portalVisit = (c: Clinician, start: number) => {
    const s = sequence(start);
    if (c.keys.length === 1 && random.chance(0.006)) {
      const kind: KeyKind = c.keys[0] === 'synced' ? 'device-bound' : 'synced';
      s.add({ type: 'key.enrolment_started', outcome: 'info', actor: c.idNat, details: { via: 'account' } });
      s.wait(random.logNormal(15_000, 0.4, 5000, 90_000));
      c.keys.push(kind);
      s.add({ type: 'key.enrolled', outcome: 'success', actor: c.idNat, details: { via: 'account', kind, keys: c.keys.length } });
    } else if (c.keys.length && random.chance(0.0015)) {
      c.keys.pop();
      s.add({ type: 'key.revoked', outcome: 'success', actor: c.idNat, details: { by: 'owner', keysLeft: c.keys.length } });
    }
    s.commit();
  };

  const offboard = (day: string) => {
    const leaving = clinicians.find((c) => c.keys.length > 0 && !c.departed);
    if (!leaving) return;
    const s = sequence(parisInstant(day, 10 * 3600 + 15 * 60 + Math.floor(random.next() * 1800)));
    const count = leaving.keys.length;
    s.add({ type: 'admin.action', outcome: 'success', details: { action: 'revoke-keys', target: leaving.idNat, operator: 'iam-demo', count } });
    s.add({ type: 'key.revoked', outcome: 'success', actor: leaving.idNat, details: { by: 'admin', count, keysLeft: 0, operator: 'iam-demo' } });
    leaving.keys = [];
    leaving.departed = true;
    s.commit();
  };

  for (let d = 0; d < days; d++) {
    const day = addDays(firstDay, d);
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    const progress = days > 1 ? d / (days - 1) : 1;
    if (d === offboardingDay) offboard(day);
    for (const c of clinicians) {
      if (c.departed || c.joinDay > d) continue;
      // The day a clinician joins, they sign in for sure (their first PSC sign-in links them).
      if (c.joinDay < d && !worksOn(random, c, weekday)) continue;
      const times = signInTimes(random, c.shift);
      const dmpChance = c.profession === '10' ? 0.35 : c.profession === '21' ? 0.3 : 0.08;
      const inOutage = (when: number) => d === outageDay && when >= outage[0] && when <= outage[1];
      let end = 0;
      for (const t of times) {
        end = dpiSignIn(c, parisInstant(day, t) + Math.floor(random.next() * 1000), progress, inOutage(t));
        if (random.chance(dmpChance)) {
          // 4–18 minutes later (the next sign-in is at least 25 minutes later); mostly a step-up
          // from the DPI session, sometimes opened directly.
          const later = t + 240 + Math.floor(random.next() * 840);
          end = dmpSignIn(c, parisInstant(day, later) + Math.floor(random.next() * 1000), progress, inOutage(later), random.chance(0.85));
        }
      }
      // A visit to /account a few minutes after the last sign-in, when that is still the same day.
      const visit = end + 120_000 + Math.floor(random.next() * 480_000);
      if (c.keys.length && visit < parisInstant(day, 23 * 3600 + 59 * 60)) portalVisit(c, visit);
    }
  }
  return events.sort((a, b) => a.time - b.time);
}
