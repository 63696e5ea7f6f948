/**
 * The benches' year of audit events (bench/pilot-figures.ts, bench/audit-search.ts): a
 * deterministic PRNG, a production-like mix of journeys (key, PSC, fall-backs, failures,
 * step-ups, enrolments, revocations) over `days` Paris days ending `today`, weekdays busier
 * than weekends, journeys between 07:00 and 19:30 Paris time; chained (seq, prev, HMAC with a
 * bench-only key). `expected` tallies what the pilot figures must show.
 */
import type { AuditEvent, AuditSource, StoredAuditInput } from '../src/audit/types.ts';
import { macFor } from '../src/audit/chain.ts';
import { attemptId } from '../src/http/audit.ts';
import { addDays, daysFrom } from '../src/pilot/index.ts';
import { isPscMethod } from '../src/pilot/method-groups.ts';
import { mulberry32 } from '../src/pilot/prng.ts';

const SEED = 0x5eed_2026;
/** Only signs the synthetic chain; never a real key. */
export const BENCH_MAC_KEY = 'bench-only-mac-key-not-a-secret-0123456789';

export interface TrailOptions {
  /** Events generated. */
  events: number;
  /** Distinct clinicians. */
  clinicians: number;
  /** Paris days the events are spread over, ending `today`. */
  days: number;
}

type Weighted<T> = ReadonlyArray<readonly [T, number]>;

interface Clinician {
  idNat: string;
  profession: string;
  finess: string[];
  establishments: string[];
  linked: boolean;
  keys: number;
}

/** What the generator counted as it emitted events: the figures must say the same. */
export interface Expected {
  byType: Map<string, number>;
  signIns: number;
  failures: number;
  fallbacks: number;
  linked: number;
  active: Set<string>;
}

/** An event before it takes its place in the chain. */
interface Draft {
  ms: number;
  order: number;
  /** Chained as it is (never through the recorder), as an older or newer gateway could have written it. */
  input: StoredAuditInput;
  source: AuditSource;
}

const PROFESSIONS: Weighted<string> = [
  ['10', 50],
  ['60', 26],
  ['21', 8],
  ['70', 5],
  ['50', 4],
  ['40', 3],
  ['98', 2],
  ['86', 2],
];
const CLIENTS: Weighted<string> = [
  ['dpi-urgences', 30],
  ['dpi-services', 25],
  ['messagerie-mssante', 15],
  ['dmp-web', 10],
  ['imagerie-pacs', 8],
  ['prescription-labo', 6],
  ['planning-blocs', 4],
  ['portail-rh', 2],
];
const KEY_METHODS: Weighted<string> = [
  ['webauthn-synced', 55],
  ['webauthn-device', 35],
  ['webauthn-attested', 10],
];
const PSC_METHODS: Weighted<string> = [
  ['psc-card', 45],
  ['psc-ecps', 45],
  ['psc-ecps+webauthn', 10],
];
const KEY_FAILURES: Weighted<string> = [
  ['challenge-expired', 40],
  ['unknown-credential', 20],
  ['user-verification-missing', 15],
  ['revoked', 10],
  ['malformed', 10],
  ['wrong-account', 5],
];
const PSC_FAILURES: Weighted<string> = [
  ['refused', 40],
  ['unavailable', 25],
  ['invalid-state', 25],
  ['invalid-response', 8],
  ['invalid-claims', 2],
];
const USER_AGENTS = ['Chrome 142 / Windows', 'Edge 142 / Windows', 'Firefox 145 / Windows', 'Safari 19 / iOS', 'Chrome 142 / Android', 'Safari 19 / macOS'];
/** Journeys (one interaction, or one portal action) and their weights. */
const JOURNEYS: Weighted<'key' | 'psc' | 'fallback' | 'key-retry' | 'psc-failure' | 'cancel' | 'step-up' | 'account-enrol' | 'revoke'> = [
  ['key', 700],
  ['psc', 170],
  ['fallback', 35],
  ['key-retry', 10],
  ['psc-failure', 35],
  ['cancel', 10],
  ['step-up', 20],
  ['account-enrol', 4],
  ['revoke', 2],
];
const LEVEL: Record<string, string> = {
  'webauthn-synced': 'eidas2',
  'webauthn-device': 'eidas2',
  'webauthn-attested': 'eidas3',
  'psc-card': 'eidas3',
  'psc-ecps': 'eidas2',
  'psc-ecps+webauthn': 'eidas2',
  'psc-unknown': 'eidas1',
};
/** Median time to sign in per method, in ms. */
const MEDIAN_DURATION: Record<string, number> = {
  'webauthn-synced': 4_000,
  'webauthn-device': 6_000,
  'webauthn-attested': 7_000,
  'psc-card': 25_000,
  'psc-ecps': 35_000,
  'psc-ecps+webauthn': 45_000,
};
const PARIS_HOUR = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hourCycle: 'h23' });

export function createTrail(options: TrailOptions, today: string) {
  const random = mulberry32(SEED);
  const pick = <T>(items: Weighted<T>): T => {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let r = random() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items.at(-1)![0];
  };
  const chance = (p: number) => random() < p;
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

  const sites = Array.from({ length: 180 }, (_, i) => ({
    finess: String(130_000_000 + i * 4_217).padStart(9, '0'),
    name: `${['Centre hospitalier', 'CHU', 'Clinique', 'Hôpital', 'GHT'][i % 5]} ${['Nord', 'Sud', 'Est', 'Ouest', 'Centre', 'Val', 'Mont', 'Littoral', 'Plaine'][i % 9]} ${i + 1}`,
  }));
  const clinicians: Clinician[] = Array.from({ length: options.clinicians }, (_, i) => {
    const count = chance(0.8) ? 1 : chance(0.85) ? 2 : 3;
    const own = new Map<string, string>();
    while (own.size < count) {
      const site = sites[Math.floor(random() ** 1.6 * sites.length)]!;
      own.set(site.finess, site.name);
    }
    return {
      idNat: `8${String(10_000_000_000 + i * 7_919).slice(1)}`,
      profession: pick(PROFESSIONS),
      finess: [...own.keys()],
      establishments: [...own.values()],
      linked: false,
      keys: 0,
    };
  });
  /** Clinicians with at least one key (dense, swap-removed). */
  const keyholders: Clinician[] = [];
  const anyone = () => clinicians[Math.floor(random() * clinicians.length)]!;
  const keyholder = () => keyholders[Math.floor(random() * keyholders.length)];
  const gainKey = (c: Clinician) => {
    c.keys += 1;
    if (c.keys === 1) keyholders.push(c);
  };
  const loseKeys = (c: Clinician, count: number) => {
    c.keys -= count;
    if (c.keys === 0) {
      const at = keyholders.indexOf(c);
      keyholders[at] = keyholders.at(-1)!;
      keyholders.pop();
    }
  };

  const expected: Expected = { byType: new Map(), signIns: 0, failures: 0, fallbacks: 0, linked: 0, active: new Set() };
  const days = daysFrom(addDays(today, -(options.days - 1)), today);
  const weightOf = (day: string, i: number) => {
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    const week = weekday === 0 ? 0.2 : weekday === 6 ? 0.35 : 1;
    return week * (0.7 + 0.3 * (days.length > 1 ? i / (days.length - 1) : 1));
  };
  const weights = days.map(weightOf);
  const totalWeight = weights.reduce((a, b) => a + b, 0);

  let journeyNumber = 0;

  /** The drafts of one journey starting at `start` (epoch ms). */
  function journey(drafts: Draft[], start: number): void {
    journeyNumber += 1;
    const uid = `bench-${journeyNumber}`;
    const attempt = attemptId(uid);
    const clientId = pick(CLIENTS);
    const source: AuditSource = {
      requestId: journeyNumber.toString(36),
      ip: `10.${journeyNumber % 200}.${(journeyNumber >> 8) % 250}.0`,
      userAgent: USER_AGENTS[journeyNumber % USER_AGENTS.length],
    };
    let at = start;
    const add = (input: StoredAuditInput, afterMs = 1_000 + random() * 15_000) => {
      at += afterMs;
      drafts.push({ ms: Math.round(at), order: drafts.length, input, source });
    };
    const started = (c: Clinician | undefined, force = false) => {
      if (force || chance(0.4)) add({ type: 'signin.started', outcome: 'info', clientId, actor: c?.idNat, details: { reasons: ['login'], attempt } }, 0);
    };
    const succeeded = (c: Clinician, method: string) => {
      const medianMs = MEDIAN_DURATION[method] ?? 10_000;
      const durationMs = chance(0.002) ? 600_000 + random() * 600_000 : Math.round(medianMs * Math.exp(0.5 * gaussian()));
      add({
        type: 'signin.succeeded',
        outcome: 'success',
        actor: c.idNat,
        profession: c.profession,
        clientId,
        details: {
          method,
          acr: LEVEL[method] ?? 'eidas1',
          amr: method.startsWith('webauthn') ? ['hwk', 'mfa'] : ['pin', 'mfa'],
          phishingResistant: method.startsWith('webauthn') || method === 'psc-card' || method === 'psc-ecps+webauthn',
          ...(method.startsWith('webauthn') ? { keyName: 'Clé' } : {}),
          durationMs,
          finess: c.finess,
          establishments: c.establishments,
          attempt,
        },
      });
      if (chance(0.27)) add({ type: 'token.issued', outcome: 'success', actor: c.idNat, clientId, details: { grantType: 'authorization_code' } }, 200);
    };
    const pscVerified = (c: Clinician, method: string) => {
      const created = !c.linked;
      c.linked = true;
      const authMode = method === 'psc-card' ? 'CARD' : 'MOBILE';
      add({
        type: 'psc.verified',
        outcome: 'success',
        actor: c.idNat,
        profession: c.profession,
        details: { authMode, upstreamAcr: 'eidas1', method: method === 'psc-ecps+webauthn' ? 'psc-ecps' : method, acr: LEVEL[method], created, attempt },
      });
    };
    const keyFailed = (c: Clinician) =>
      add({
        type: 'signin.failed',
        outcome: 'failure',
        actor: c.idNat,
        clientId,
        reason: pick(KEY_FAILURES),
        details: { method: 'webauthn', ceremony: 'sign-in', attempt },
      });
    const pscJourney = (c: Clinician) => {
      const method = pick(PSC_METHODS);
      pscVerified(c, method);
      if (chance(c.keys === 0 ? 0.5 : 0.05)) {
        add({ type: 'key.offered', outcome: 'info', actor: c.idNat, clientId, details: { required: false, attempt } });
        if (chance(0.6)) {
          add({ type: 'key.enrolment_started', outcome: 'info', actor: c.idNat, clientId, details: { via: 'after-psc', attempt } });
          if (chance(0.92)) {
            gainKey(c);
            add({
              type: 'key.enrolled',
              outcome: 'success',
              actor: c.idNat,
              clientId,
              details: { via: 'after-psc', kind: chance(0.6) ? 'synced' : 'device-bound', keys: c.keys, attempt },
            });
          } else {
            add({ type: 'key.enrolled', outcome: 'failure', actor: c.idNat, clientId, reason: 'user-verification-missing', details: { attempt } });
          }
        } else {
          add({ type: 'key.skipped', outcome: 'info', actor: c.idNat, clientId, details: { attempt } });
        }
      }
      succeeded(c, method);
    };

    let kind = pick(JOURNEYS);
    if ((kind === 'key' || kind === 'fallback' || kind === 'key-retry' || kind === 'revoke') && keyholders.length === 0) kind = 'psc';
    switch (kind) {
      case 'key': {
        const c = keyholder()!;
        started(c);
        succeeded(c, pick(KEY_METHODS));
        break;
      }
      case 'psc': {
        const c = anyone();
        started(undefined);
        pscJourney(c);
        break;
      }
      case 'fallback': {
        // The key fails, then the clinician signs in with PSC in the same attempt, minutes later.
        const c = keyholder()!;
        started(c);
        keyFailed(c);
        at += 60_000 + random() * 240_000;
        const method = chance(0.5) ? 'psc-card' : 'psc-ecps';
        pscVerified(c, method);
        succeeded(c, method);
        break;
      }
      case 'key-retry': {
        const c = keyholder()!;
        started(c);
        keyFailed(c);
        if (chance(0.5)) succeeded(c, pick(KEY_METHODS));
        break;
      }
      case 'psc-failure': {
        const failure = pick(PSC_FAILURES);
        started(undefined);
        add({ type: 'psc.failed', outcome: 'failure', reason: failure, details: { attempt } });
        add({ type: 'signin.failed', outcome: 'failure', clientId, reason: `psc-${failure}`, details: { attempt } });
        break;
      }
      case 'cancel':
        started(undefined);
        add({ type: 'signin.failed', outcome: 'failure', clientId, reason: 'cancelled', details: { attempt } });
        break;
      case 'step-up': {
        const c = anyone();
        const wanted = { acrValues: 'eidas3', attempt };
        started(c, true);
        add({ type: 'stepup.asked', outcome: 'info', clientId, actor: c.idNat, details: wanted }, 10);
        if (chance(0.75)) {
          const method = c.keys > 0 && chance(0.5) ? 'webauthn-attested' : 'psc-card';
          if (method === 'psc-card') pscVerified(c, method);
          succeeded(c, method);
          add({ type: 'stepup.met', outcome: 'success', actor: c.idNat, profession: c.profession, clientId, details: { method, acr: 'eidas3', attempt } }, 5);
        } else {
          add({ type: 'stepup.unmet', outcome: 'failure', clientId, actor: c.idNat, reason: 'no-means-reaches-the-level', details: wanted }, 10);
          add({ type: 'signin.failed', outcome: 'failure', clientId, actor: c.idNat, reason: 'unmet_authentication_requirements', details: { attempt } });
        }
        break;
      }
      case 'account-enrol': {
        const c = anyone();
        add({ type: 'key.enrolment_started', outcome: 'info', actor: c.idNat, details: { via: 'account' } }, 0);
        gainKey(c);
        add({ type: 'key.enrolled', outcome: 'success', actor: c.idNat, details: { via: 'account', kind: 'synced', keys: c.keys } });
        break;
      }
      case 'revoke': {
        const c = keyholder()!;
        if (chance(0.9)) {
          loseKeys(c, 1);
          add({ type: 'key.revoked', outcome: 'success', actor: c.idNat, details: { by: 'owner', keysLeft: c.keys } }, 0);
        } else {
          const count = c.keys;
          loseKeys(c, count);
          add({ type: 'key.revoked', outcome: 'success', actor: c.idNat, details: { by: 'admin', count, keysLeft: 0, operator: 'bench' } }, 0);
        }
        break;
      }
    }
  }

  /** Tallies what the figures must show, from the events as emitted. */
  const failedKeyAttempts = new Set<string>();
  function tally(event: AuditEvent): void {
    expected.byType.set(event.type, (expected.byType.get(event.type) ?? 0) + 1);
    const attempt = typeof event.details?.attempt === 'string' ? event.details.attempt : undefined;
    if (event.type === 'signin.succeeded') {
      expected.signIns += 1;
      if (event.actor) expected.active.add(event.actor);
      if (attempt && isPscMethod(String(event.details?.method)) && failedKeyAttempts.delete(attempt)) expected.fallbacks += 1;
    } else if (event.type === 'signin.failed') {
      expected.failures += 1;
      if (event.details?.method === 'webauthn' && attempt) failedKeyAttempts.add(attempt);
    } else if (event.type === 'psc.verified' && event.details?.created === true) {
      expected.linked += 1;
    }
  }

  function* events(): Generator<AuditEvent> {
    let emitted = 0;
    let seq = 0;
    let prev = '';
    let cumulative = 0;
    for (const [i, day] of days.entries()) {
      cumulative += weights[i]!;
      const last = i === days.length - 1;
      const budget = last ? options.events - emitted : Math.round((options.events * cumulative) / totalWeight) - emitted;
      if (budget <= 0) continue;
      const [y, m, d] = day.split('-').map(Number) as [number, number, number];
      const noonUtc = Date.UTC(y, m - 1, d, 12);
      const offsetMs = (Number(PARIS_HOUR.format(noonUtc)) - 12) * 3_600_000;
      const midnight = Date.UTC(y, m - 1, d) - offsetMs;
      const drafts: Draft[] = [];
      while (drafts.length < budget) {
        // Journeys start between 07:00 and 19:30 Paris time, busiest around midday.
        const hour = 7 + 12.5 * ((random() + random()) / 2);
        journey(drafts, midnight + hour * 3_600_000);
      }
      drafts.sort((a, b) => a.ms - b.ms || a.order - b.order);
      if (drafts.length > budget && last) drafts.length = budget;
      for (const draft of drafts) {
        seq += 1;
        const unsigned = { seq, time: new Date(draft.ms).toISOString(), instance: `gw-${(seq % 2) + 1}`, prev, ...draft.source, ...draft.input };
        const event: AuditEvent = { ...unsigned, mac: macFor(BENCH_MAC_KEY, prev, unsigned) };
        prev = event.mac;
        tally(event);
        yield event;
      }
      emitted += drafts.length;
    }
  }

  return { events, expected, keyholders: () => keyholders.length };
}
