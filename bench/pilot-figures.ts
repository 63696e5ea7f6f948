/**
 * Bench: the pilot dashboard's read over a year of audit events (issue target: a read under
 * 200 ms with one million events).
 *
 * 1. Loads `--events` synthetic, chained audit events (deterministic PRNG, a production-like
 *    mix of types) spread over the `--days` Paris days ending today, each one applied through
 *    createPilotAggregates(...).apply(event): the code path the gateway runs when an event is
 *    chained (recorder onRecorded hook), over the gateway's own Redis connection settings.
 * 2. Checks that the figures read back equal what was generated (sign-ins, failures,
 *    fall-backs, links, distinct active clinicians).
 * 3. Times createPilotFiguresReader(...).read() for the last 7, 30 (dashboard default), 90 and
 *    365 days: 3 warm-up reads, then `--reads` timed reads each.
 *
 * Everything lives under its own prefix `hcbench:pilot:<pid>:<random>:`, deleted at the end
 * with SCAN + UNLINK (unless --keep). Prints a table, then one JSON line. Exit code: 0 when
 * every range's p95 is under 200 ms and the figures check out, 1 otherwise, 2 on bad options.
 *
 *   node bench/pilot-figures.ts [--events 1000000] [--clinicians 5000] [--days 365]
 *                               [--reads 30] [--concurrency 64] [--keep]
 *   BENCH_REDIS_URL=redis://127.0.0.1:6379 (default)
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Cluster, Redis } from 'ioredis';
import { macFor } from '../src/audit/chain.ts';
import type { AuditEvent, AuditInput, AuditSource } from '../src/audit/types.ts';
import { attemptId } from '../src/http/audit.ts';
import { addDays, createPilotAggregates, createPilotFiguresReader, daysFrom, parisDay } from '../src/pilot/index.ts';
import { isPscMethod } from '../src/pilot/method-groups.ts';
import { createKeys, createRedisConnection, createRedisStore } from '../src/store/index.ts';
import { redactUrl } from '../src/store/redis-target.ts';
import { deletePrefix } from '../test/support/redis.ts';
import { mulberry32 } from '../src/pilot/prng.ts';

const TARGET_MS = 200;
const WARM_UP_READS = 3;
const RANGES = [
  { name: '7d', days: 7 },
  { name: '30d', days: 30 },
  { name: '90d', days: 90 },
  { name: '365d', days: 365 },
] as const;
const SEED = 0x5eed_2026;
/** Only signs the synthetic chain; never a real key. */
const BENCH_MAC_KEY = 'bench-only-mac-key-not-a-secret-0123456789';

const out = (line = '') => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  events: number;
  clinicians: number;
  days: number;
  reads: number;
  concurrency: number;
  keep: boolean;
}

const USAGE = `usage: node bench/pilot-figures.ts [--events N] [--clinicians N] [--days N] [--reads N] [--concurrency N] [--keep]
  --events       audit events loaded (default 1000000)
  --clinicians   distinct clinicians (default 5000)
  --days         Paris days the events are spread over, ending today (default 365, at most 731)
  --reads        timed reads per range, after ${WARM_UP_READS} warm-up reads (default 30)
  --concurrency  events applied at once while loading (default 64)
  --keep         leave the keys in Redis for inspection (the prefix is printed)
  BENCH_REDIS_URL  Redis server (default redis://127.0.0.1:6379)`;

class UsageError extends Error {}

function wholeNumber(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const text = raw.replaceAll('_', '');
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name}: expected a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`--${name}: expected ${min} to ${max}, got ${value}`);
  return value;
}

function parseOptions(argv: string[]): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        events: { type: 'string' },
        clinicians: { type: 'string' },
        days: { type: 'string' },
        reads: { type: 'string' },
        concurrency: { type: 'string' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  return {
    events: wholeNumber('events', values.events, 1_000_000, 1, 100_000_000),
    clinicians: wholeNumber('clinicians', values.clinicians, 5_000, 1, 10_000_000),
    days: wholeNumber('days', values.days, 365, 1, 731),
    reads: wholeNumber('reads', values.reads, 30, 1, 100_000),
    concurrency: wholeNumber('concurrency', values.concurrency, 64, 1, 10_000),
    keep: values.keep,
  };
}

// ---------------------------------------------------------------------------------------------
// Deterministic synthetic audit trail

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
interface Expected {
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
  input: AuditInput;
  source: AuditSource;
}

const PROFESSIONS: Weighted<string> = [['10', 50], ['60', 26], ['21', 8], ['70', 5], ['50', 4], ['40', 3], ['98', 2], ['86', 2]];
const CLIENTS: Weighted<string> = [['dpi-urgences', 30], ['dpi-services', 25], ['messagerie-mssante', 15], ['dmp-web', 10], ['imagerie-pacs', 8], ['prescription-labo', 6], ['planning-blocs', 4], ['portail-rh', 2]];
const KEY_METHODS: Weighted<string> = [['webauthn-synced', 55], ['webauthn-device', 35], ['webauthn-attested', 10]];
const PSC_METHODS: Weighted<string> = [['psc-card', 45], ['psc-ecps', 45], ['psc-ecps+webauthn', 10]];
const KEY_FAILURES: Weighted<string> = [['challenge-expired', 40], ['unknown-credential', 20], ['user-verification-missing', 15], ['revoked', 10], ['malformed', 10], ['wrong-account', 5]];
const PSC_FAILURES: Weighted<string> = [['refused', 40], ['unavailable', 25], ['invalid-state', 25], ['invalid-response', 8], ['invalid-claims', 2]];
const USER_AGENTS = ['Chrome 142 / Windows', 'Edge 142 / Windows', 'Firefox 145 / Windows', 'Safari 19 / iOS', 'Chrome 142 / Android', 'Safari 19 / macOS'];
/** Journeys (one interaction, or one portal action) and their weights. */
const JOURNEYS: Weighted<'key' | 'psc' | 'fallback' | 'key-retry' | 'psc-failure' | 'cancel' | 'step-up' | 'account-enrol' | 'revoke'> = [
  ['key', 700], ['psc', 170], ['fallback', 35], ['key-retry', 10], ['psc-failure', 35], ['cancel', 10], ['step-up', 20], ['account-enrol', 4], ['revoke', 2],
];
const LEVEL: Record<string, string> = {
  'webauthn-synced': 'eidas2', 'webauthn-device': 'eidas2', 'webauthn-attested': 'eidas3',
  'psc-card': 'eidas3', 'psc-ecps': 'eidas2', 'psc-ecps+webauthn': 'eidas2', 'psc-unknown': 'eidas1',
};
/** Median time to sign in per method, in ms. */
const MEDIAN_DURATION: Record<string, number> = {
  'webauthn-synced': 4_000, 'webauthn-device': 6_000, 'webauthn-attested': 7_000,
  'psc-card': 25_000, 'psc-ecps': 35_000, 'psc-ecps+webauthn': 45_000,
};
const PARIS_HOUR = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hourCycle: 'h23' });

function createTrail(options: Options, today: string) {
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
    return { idNat: `8${String(10_000_000_000 + i * 7_919).slice(1)}`, profession: pick(PROFESSIONS), finess: [...own.keys()], establishments: [...own.values()], linked: false, keys: 0 };
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
    const add = (input: AuditInput, afterMs = 1_000 + random() * 15_000) => {
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
        type: 'signin.succeeded', outcome: 'success', actor: c.idNat, profession: c.profession, clientId,
        details: {
          method, acr: LEVEL[method] ?? 'eidas1', amr: method.startsWith('webauthn') ? ['hwk', 'mfa'] : ['pin', 'mfa'],
          phishingResistant: method.startsWith('webauthn') || method === 'psc-card' || method === 'psc-ecps+webauthn',
          ...(method.startsWith('webauthn') ? { keyName: 'Clé' } : {}),
          durationMs, finess: c.finess, establishments: c.establishments, attempt,
        },
      });
      if (chance(0.27)) add({ type: 'token.issued', outcome: 'success', actor: c.idNat, clientId, details: { grantType: 'authorization_code' } }, 200);
    };
    const pscVerified = (c: Clinician, method: string) => {
      const created = !c.linked;
      c.linked = true;
      const authMode = method === 'psc-card' ? 'CARD' : 'MOBILE';
      add({ type: 'psc.verified', outcome: 'success', actor: c.idNat, profession: c.profession, details: { authMode, upstreamAcr: 'eidas1', method: method === 'psc-ecps+webauthn' ? 'psc-ecps' : method, acr: LEVEL[method], created, attempt } });
    };
    const keyFailed = (c: Clinician) => add({ type: 'signin.failed', outcome: 'failure', actor: c.idNat, clientId, reason: pick(KEY_FAILURES), details: { method: 'webauthn', ceremony: 'sign-in', attempt } });
    const pscJourney = (c: Clinician) => {
      const method = pick(PSC_METHODS);
      pscVerified(c, method);
      if (chance(c.keys === 0 ? 0.5 : 0.05)) {
        add({ type: 'key.offered', outcome: 'info', actor: c.idNat, clientId, details: { required: false, attempt } });
        if (chance(0.6)) {
          add({ type: 'key.enrolment_started', outcome: 'info', actor: c.idNat, clientId, details: { via: 'after-psc', attempt } });
          if (chance(0.92)) {
            gainKey(c);
            add({ type: 'key.enrolled', outcome: 'success', actor: c.idNat, clientId, details: { via: 'after-psc', kind: chance(0.6) ? 'synced' : 'device-bound', keys: c.keys, attempt } });
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

// ---------------------------------------------------------------------------------------------
// Measuring

interface Stats {
  min: number;
  median: number;
  p95: number;
  max: number;
}

/** Nearest-rank quantiles of durations in ms. */
function statsOf(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  return { min: sorted[0]!, median: rank(0.5), p95: rank(0.95), max: sorted.at(-1)! };
}

const ms = (value: number) => Math.round(value * 10) / 10;
const fmt = (value: number) => value.toLocaleString('en-US');
const pad = (text: string | number, width: number) => String(text).padStart(width);

const loadAverage = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');

function usedMemory(info: string): number {
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

interface KeyUsage {
  keys: number;
  bytes: number;
  byKind: Map<string, { keys: number; bytes: number }>;
}

/** Every key under the prefix (SCAN) with its MEMORY USAGE (all nested values counted). */
async function keyUsage(redis: Redis | Cluster, prefix: string): Promise<KeyUsage> {
  const usage: KeyUsage = { keys: 0, bytes: 0, byKind: new Map() };
  const node = redis as Redis;
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    const sizes = await Promise.all(keys.map((key) => node.memory('USAGE', key, 'SAMPLES', 0)));
    keys.forEach((key, i) => {
      const kind = /^\{pilot\}:([a-z]+)/.exec(key.slice(prefix.length))?.[1] ?? 'other';
      const bytes = Number(sizes[i] ?? 0);
      const row = usage.byKind.get(kind) ?? { keys: 0, bytes: 0 };
      row.keys += 1;
      row.bytes += bytes;
      usage.byKind.set(kind, row);
      usage.keys += 1;
      usage.bytes += bytes;
    });
  } while (cursor !== '0');
  return usage;
}

class Interrupted extends Error {}

async function main(): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    note(`pilot-figures bench: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    out(USAGE);
    return 0;
  }
  const opts = options;

  const url = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `hcbench:pilot:${process.pid}:${randomBytes(4).toString('hex')}:`;
  // The gateway's own connection settings (auto-pipelining included), as in production.
  const redis = createRedisConnection({ url });
  const store = createRedisStore(redis);
  const keys = createKeys(prefix);
  try {
    await store.ping();
  } catch (err) {
    redis.disconnect();
    note(`pilot-figures bench: cannot reach Redis at ${redactUrl(url)} (BENCH_REDIS_URL): ${(err as Error).message}`);
    return 1;
  }

  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    note('interrupted: stopping and cleaning up…');
  };
  process.on('SIGINT', onSigint);
  let wroteKeys = false;
  try {
    const server = await (redis as Redis).info('server');
    const redisVersion = /redis_version:(\S+)/.exec(server)?.[1] ?? '?';
    const today = parisDay(Date.now());
    const cpus = os.cpus();
    out(`pilot figures bench — ${new Date().toISOString()}`);
    out(`machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, Redis ${redisVersion} at ${redactUrl(url)}`);
    out(`load average at start: ${loadAverage()} (other processes on the machine skew the figures)`);
    out(`data: ${fmt(opts.events)} events, ${fmt(opts.clinicians)} clinicians, ${opts.days} Paris days ending ${today}; prefix ${prefix}`);
    out();

    // ---- Load, through the gateway's aggregation code path.
    const memoryBefore = usedMemory(await (redis as Redis).info('memory'));
    const trail = createTrail(opts, today);
    const events = trail.events();
    const aggregates = createPilotAggregates(store, keys);
    let loaded = 0;
    let generatingNs = 0n;
    let failure: unknown;
    const loadStart = process.hrtime.bigint();
    let lastReport = loadStart;
    wroteKeys = true;
    const worker = async () => {
      for (;;) {
        if (failure !== undefined || interrupted) return;
        const t0 = process.hrtime.bigint();
        const next = events.next();
        generatingNs += process.hrtime.bigint() - t0;
        if (next.done) return;
        try {
          await aggregates.apply(next.value);
        } catch (err) {
          failure ??= err;
          return;
        }
        loaded += 1;
        if (loaded % 50_000 === 0) {
          const now = process.hrtime.bigint();
          if (now - lastReport > 5_000_000_000n) {
            lastReport = now;
            const seconds = Number(now - loadStart) / 1e9;
            note(`  loaded ${fmt(loaded)} / ${fmt(opts.events)} (${fmt(Math.round(loaded / seconds))} events/s)`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    if (failure !== undefined) throw failure;
    if (interrupted) throw new Interrupted();
    const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;
    const loadRate = loaded / loadSeconds;
    const memoryAfter = usedMemory(await (redis as Redis).info('memory'));

    const generatingSeconds = Number(generatingNs) / 1e9;
    const applyRate = loaded / Math.max(loadSeconds - generatingSeconds, 1e-9);
    out(`load: ${fmt(loaded)} events applied in ${loadSeconds.toFixed(1)} s = ${fmt(Math.round(loadRate))} events/s (concurrency ${opts.concurrency})`);
    out(`      of which ${generatingSeconds.toFixed(1)} s generating and MAC-chaining the events on the same thread: about ${fmt(Math.round(applyRate))} events/s for apply() alone`);
    const expected = trail.expected;
    const mix = [...expected.byType].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${((100 * n) / loaded).toFixed(1)}%`);
    out(`mix: ${mix.join(', ')}`);
    out();

    // ---- The figures read back must be what was generated.
    const reader = createPilotFiguresReader(store, keys);
    const whole = await reader.read({ from: addDays(today, -(opts.days - 1)), to: today });
    const checks: Array<[string, number, number]> = [
      ['sign-ins', expected.signIns, whole.signIns.total],
      ['failures', expected.failures, whole.failures.total],
      ['fall-backs key → PSC', expected.fallbacks, whole.failures.fallbacksKeyToPsc],
      ['clinicians linked', expected.linked, whole.clinicians.linked],
      ['distinct active clinicians', expected.active.size, whole.clinicians.active],
    ];
    const checksOk = checks.every(([, want, got]) => want === got);
    out(`check over all ${opts.days} days: ${checks.map(([name, want, got]) => `${name} ${fmt(got)}${want === got ? '' : ` (expected ${fmt(want)})`}`).join(', ')} — ${checksOk ? 'OK' : 'MISMATCH'}`);
    out();

    // ---- Redis footprint of the prefix.
    const usage = await keyUsage(redis, prefix);
    out(`redis: ${fmt(usage.keys)} keys, ${(usage.bytes / 2 ** 20).toFixed(1)} MiB by MEMORY USAGE (INFO used_memory grew ${((memoryAfter - memoryBefore) / 2 ** 20).toFixed(1)} MiB during the load)`);
    for (const [kind, row] of [...usage.byKind].sort((a, b) => b[1].bytes - a[1].bytes)) {
      out(`  ${kind.padEnd(10)} ${pad(fmt(row.keys), 8)} keys ${pad((row.bytes / 2 ** 20).toFixed(2), 9)} MiB`);
    }
    out();

    // ---- Timed reads.
    const results: Record<string, Stats> = {};
    out(`reads: ${WARM_UP_READS} warm-up + ${opts.reads} timed reads per range, target p95 < ${TARGET_MS} ms`);
    out(`  ${'range'.padEnd(6)} ${'from'.padEnd(10)}  ${'to'.padEnd(10)} ${pad('sign-ins', 9)} ${pad('min', 8)} ${pad('median', 8)} ${pad('p95', 8)} ${pad('max', 8)}  result`);
    for (const range of RANGES) {
      const from = addDays(today, -(range.days - 1));
      for (let i = 0; i < WARM_UP_READS; i += 1) await reader.read({ from, to: today });
      const samples: number[] = [];
      let signIns = 0;
      for (let i = 0; i < opts.reads; i += 1) {
        if (interrupted) throw new Interrupted();
        const t0 = process.hrtime.bigint();
        const figures = await reader.read({ from, to: today });
        samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
        signIns = figures.signIns.total;
      }
      const stats = statsOf(samples);
      results[range.name] = stats;
      out(`  ${range.name.padEnd(6)} ${from}  ${today} ${pad(fmt(signIns), 9)} ${pad(ms(stats.min).toFixed(1), 8)} ${pad(ms(stats.median).toFixed(1), 8)} ${pad(ms(stats.p95).toFixed(1), 8)} ${pad(ms(stats.max).toFixed(1), 8)}  ${stats.p95 < TARGET_MS ? 'PASS' : 'FAIL'}`);
    }
    const pass = Object.values(results).every((s) => s.p95 < TARGET_MS);
    out(`  load average after the reads: ${loadAverage()}`);
    out(`  (ms; ${pass ? 'every range is under' : 'NOT every range is under'} the ${TARGET_MS} ms target at p95)`);
    out();

    out(JSON.stringify({
      bench: 'pilot-figures',
      events: loaded,
      clinicians: opts.clinicians,
      days: opts.days,
      load: { seconds: ms(loadSeconds), events_per_s: Math.round(loadRate), apply_events_per_s: Math.round(applyRate), concurrency: opts.concurrency },
      redis: { keys: usage.keys, bytes: usage.bytes },
      ranges: Object.fromEntries(Object.entries(results).map(([name, s]) => [name, { min: ms(s.min), median: ms(s.median), p95: ms(s.p95), max: ms(s.max) }])),
      checks: checksOk,
      target_ms: TARGET_MS,
      pass,
    }));
    return pass && checksOk ? 0 : 1;
  } catch (err) {
    if (err instanceof Interrupted) return 130;
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    await store.close().catch(() => redis.disconnect());
    if (wroteKeys && opts.keep) {
      note(`--keep: keys left under ${prefix} (delete with: redis-cli --scan --pattern '${prefix}*' | xargs -r redis-cli unlink)`);
    } else if (wroteKeys) {
      await deletePrefix(prefix, url);
    }
  }
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    note(`pilot-figures bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
