/**
 * `npm run pilot:seed`: the demo activity generator is deterministic and plausible (adoption
 * grows, fall-backs happen, every event says it is seeded), its events give the pilot figures
 * they should, and the command records them on a real Redis with a chain that verifies —
 * refusing production, the in-memory store and bad options.
 */
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { AUDIT_EVENT_TYPES, type AuditEvent } from '../../src/audit/types.ts';
import type { StoredAuditDetails } from '../../src/audit/details.ts';
import { createRedisAuditLog, verifyLog } from '../../src/audit/index.ts';
import { loadAuditMacKey } from '../../src/signing-keys/load.ts';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import { addDays, parisDay } from '../../src/calendar/paris-days.ts';
import { createPilotAggregates, createPilotFiguresReader, type PilotFigures } from '../../src/pilot/index.ts';
import { generatePilotActivity, type SeededEvent } from '../../src/pilot/seed.ts';
import { seedCommand } from '../../src/pilot/seed-cli.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';

// Spans the switch to summer time (29 March 2026), to check Paris days across it.
const END_DAY = '2026-03-31';
const FIRST_DAY = addDays(END_DAY, -59);

const method = (e: SeededEvent) => {
  const details: StoredAuditDetails = e.input.details ?? {};
  return String(details.method ?? '');
};
/** The default demo (300 clinicians, 60 days, seed 42), generated once for the first two suites. */
const EVENTS = generatePilotActivity({ endDay: END_DAY });

const succeeded = (events: SeededEvent[]) => events.filter((e) => e.input.type === 'signin.succeeded');

/** Attempts where a key failed and then a PSC sign-in succeeded, counted from the list itself. */
function fallbacks(events: SeededEvent[]): number {
  const keyFailed = new Set<string>();
  let count = 0;
  for (const e of events) {
    const attempt = String(e.input.details?.attempt ?? '');
    if (e.input.type === 'signin.failed' && method(e) === 'webauthn') keyFailed.add(attempt);
    if (e.input.type === 'signin.succeeded' && method(e).startsWith('psc-') && keyFailed.has(attempt)) count += 1;
  }
  return count;
}

/** Share of sign-ins made with a key over the given Paris days. */
function keyShare(events: SeededEvent[], days: Set<string>): number {
  const inDays = succeeded(events).filter((e) => days.has(parisDay(e.time)));
  assert.ok(inDays.length > 0, 'expected sign-ins in the days compared');
  return inDays.filter((e) => method(e).startsWith('webauthn-')).length / inDays.length;
}

describe('generatePilotActivity', () => {
  const events = EVENTS;

  it('gives the same events for the same seed and different ones for another seed', () => {
    assert.deepEqual(generatePilotActivity({ endDay: END_DAY, seed: 42, clinicians: 300, days: 60 }), events);
    const other = generatePilotActivity({ endDay: END_DAY, seed: 43 });
    assert.notDeepEqual(other.slice(0, 50), events.slice(0, 50));
  });

  it('is sorted by time, on Paris days of the span, with known types, each marked seeded', () => {
    assert.ok(events.length > 10_000, `expected a realistic volume, got ${events.length} events`);
    const days = new Set<string>();
    events.forEach((e, i) => {
      if (i > 0) assert.ok(e.time >= events[i - 1]!.time, `event ${i} is earlier than the one before`);
      assert.ok((AUDIT_EVENT_TYPES as readonly string[]).includes(e.input.type), e.input.type);
      assert.equal(e.input.details?.seeded, true, `event ${i} (${e.input.type}) is not marked seeded`);
      days.add(parisDay(e.time));
    });
    const sorted = [...days].sort();
    assert.ok(sorted[0]! >= FIRST_DAY && sorted.at(-1)! <= END_DAY, `days ${sorted[0]} to ${sorted.at(-1)} outside ${FIRST_DAY} to ${END_DAY}`);
    assert.ok(days.has(END_DAY) && days.has('2026-03-29'), 'activity on the last day and on the day of the time change');
  });

  it('links each of the 300 clinicians once, with fake idNats', () => {
    const linked = events.filter((e) => e.input.type === 'psc.verified' && e.input.details?.created === true).map((e) => e.input.actor!);
    assert.equal(linked.length, 300);
    assert.equal(new Set(linked).size, 300);
    for (const idNat of linked) assert.match(idNat, /^89990000\d{4}$/);
    for (const e of succeeded(events)) {
      assert.ok(e.input.actor && e.input.profession && e.input.clientId, 'a sign-in names its actor, profession and client');
      assert.match(String(e.input.details?.attempt), /^[0-9a-f]{16}$/);
    }
  });

  it('has one attempt id per sign-in attempt', () => {
    const started = events.filter((e) => e.input.type === 'signin.started').map((e) => e.input.details?.attempt);
    assert.equal(new Set(started).size, started.length);
  });

  it('shows adoption growing: more sign-ins with a key in the last 10 days than in the first 10', () => {
    const first = new Set(Array.from({ length: 10 }, (_, i) => addDays(FIRST_DAY, i)));
    const last = new Set(Array.from({ length: 10 }, (_, i) => addDays(END_DAY, -i)));
    const [early, late] = [keyShare(events, first), keyShare(events, last)];
    assert.ok(late > early + 0.2, `key share ${early.toFixed(2)} in the first 10 days, ${late.toFixed(2)} in the last 10`);
  });

  it('has key failures that fall back to PSC in the same attempt', () => {
    assert.ok(fallbacks(events) > 10, `expected fall-backs, got ${fallbacks(events)}`);
  });

  it('leaves out what ends after `until`, and refuses options out of range', () => {
    const until = Date.parse('2026-03-31T10:00:00Z');
    const cut = generatePilotActivity({ endDay: END_DAY, clinicians: 30, days: 5, until });
    assert.ok(cut.length > 0 && cut.every((e) => e.time <= until));
    assert.throws(() => generatePilotActivity({ endDay: '2026-02-30' }), /endDay: expected a day/);
    assert.throws(() => generatePilotActivity({ endDay: END_DAY, clinicians: 0 }), /clinicians: expected an integer from 1/);
    assert.throws(() => generatePilotActivity({ endDay: END_DAY, days: 1.5 }), /days: expected an integer/);
  });
});

describe('the seeded events in the pilot figures', () => {
  const events = EVENTS;
  let figures: PilotFigures;

  beforeAll(async () => {
    const store = createMemoryStore();
    const keyNames = createKeyNames('seed:');
    const aggregates = createPilotAggregates(store, keyNames);
    let seq = 0;
    for (const { time, input } of events) {
      seq += 1;
      const event: AuditEvent = { ...input, seq, time: new Date(time).toISOString(), instance: 't', prev: '', mac: '' };
      await aggregates.apply(event);
    }
    figures = await createPilotFiguresReader(store, keyNames).read({ from: FIRST_DAY, to: END_DAY });
    await store.close();
  });

  it('count every sign-in, every linked clinician and every fall-back', () => {
    assert.equal(figures.signIns.total, succeeded(events).length);
    assert.equal(figures.clinicians.linked, events.filter((e) => e.input.type === 'psc.verified' && e.input.details?.created === true).length);
    assert.equal(figures.failures.fallbacksKeyToPsc, fallbacks(events));
    assert.equal(figures.clinicians.active, 300);
  });

  it('exercise every figure of the dashboard', () => {
    const { funnel, stepUps, keys, failures, signIns } = figures;
    const { clinicians: funnelClinicians, ...funnelEvents } = funnel;
    const distinct = Object.fromEntries(Object.entries(funnelClinicians).map(([step, n]) => [`clinicians ${step}`, n]));
    for (const [name, value] of Object.entries({
      ...funnelEvents,
      ...distinct,
      ...stepUps,
      enrolledFromAccount: keys.enrolledFromAccount,
      revoked: keys.revoked,
    })) {
      assert.ok(typeof value === 'number' && value > 0, `${name} is ${value}`);
    }
    assert.ok(figures.clinicians.withKeyShare > 0.4 && figures.clinicians.withKeyShare < 0.95, `with a key: ${figures.clinicians.withKeyShare}`);
    assert.deepEqual(signIns.byGroup.map((g) => g.key).sort(), ['hardware-key', 'passkey', 'psc-card', 'psc-ecps']);
    assert.deepEqual(
      signIns.byClient.map((c) => c.key),
      ['demo-dpi', 'demo-dmp'],
    );
    assert.deepEqual(signIns.byProfession.map((p) => p.key).sort(), ['10', '21', '50', '60', '70', '91', '98']);
    assert.deepEqual(
      signIns.byEstablishment.map((e) => e.name),
      ['CHU GENERIQUE DE TEST', 'CENTRE HOSPITALIER DE TEST NORD', 'CLINIQUE DE TEST SUD'],
    );
    assert.ok(signIns.eidas3.count > 0 && signIns.phishingResistant.share > 0.5);
    assert.deepEqual(failures.byMethod.map((m) => m.key).sort(), ['other', 'psc', 'webauthn']);
    assert.deepEqual(failures.pscErrors.map((p) => p.key).sort(), ['refused', 'unavailable']);
    assert.deepEqual(keys.revokedBy.map((r) => r.key).sort(), ['admin', 'owner']);
    const median = (m: string) => figures.timeToSignIn.find((t) => t.method === m)?.medianMs ?? 0;
    assert.ok(median('webauthn-synced') >= 2000 && median('webauthn-synced') <= 8000, `passkey median ${median('webauthn-synced')} ms`);
    assert.ok(median('psc-card') >= 12_000 && median('psc-card') <= 40_000, `card median ${median('psc-card')} ms`);
    assert.ok(median('psc-ecps') >= 15_000 && median('psc-ecps') <= 60_000, `e-CPS median ${median('psc-ecps')} ms`);
    const weekdays = figures.daily.filter((d) => ![0, 6].includes(new Date(`${d.day}T12:00:00Z`).getUTCDay()));
    const weekends = figures.daily.filter((d) => [0, 6].includes(new Date(`${d.day}T12:00:00Z`).getUTCDay()));
    const average = (days: typeof weekdays) => days.reduce((sum, d) => sum + d.signIns, 0) / days.length;
    assert.ok(average(weekends.slice(-4)) < average(weekdays.slice(-10)) / 1.5, 'weekends are quieter');
  });
});

describe('npm run pilot:seed', () => {
  const prefix = uniquePrefix('pilot-seed');
  const keysDir = mkdtempSync(join(tmpdir(), 'pilot-seed-'));
  const env = { NODE_ENV: 'test', REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, KEYS_DIR: keysDir };
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });

  /** Runs the command with console.error captured; returns the exit code and what it said. */
  async function run(argv: string[], withEnv: NodeJS.ProcessEnv): Promise<{ code: number; errors: string }> {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const code = await seedCommand(argv, withEnv);
      return { code, errors: errors.mock.calls.map((c) => c.join(' ')).join('\n') };
    } finally {
      errors.mockRestore();
    }
  }

  beforeAll(async () => {
    await redis.connect();
  });
  afterAll(async () => {
    redis.disconnect();
    await deletePrefix(prefix);
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('records the demo events on Redis: the chain verifies and the figures see the sign-ins', async () => {
    const { code, errors } = await run(['--clinicians', '20', '--days', '7', '--seed', '5'], env);
    assert.equal(code, 0, errors);
    assert.match(errors, /created .*audit-mac-key\.json/, "the gateway's keys are created on a fresh install");
    const macKey = loadAuditMacKey(keysDir, undefined);
    const keyNames = createKeyNames(prefix);
    const log = createRedisAuditLog(redis, keyNames, macKey);
    const verified = await verifyLog(log, macKey);
    assert.ok(verified.ok, JSON.stringify(verified));
    const stored: AuditEvent[] = [];
    for await (const event of log.entries()) stored.push(event);
    await log.close();
    assert.equal(verified.count, stored.length);
    assert.ok(stored.length > 0 && stored.every((e) => e.details?.seeded === true && e.instance === 'pilot-seed'));
    const today = parisDay(Date.now());
    assert.ok(
      stored.every((e) => parisDay(e.time) >= addDays(today, -6) && Date.parse(e.time) <= Date.now()),
      'events keep their own times, within the 7 days and not in the future',
    );
    const figures = await createPilotFiguresReader(createRedisStore(redis), keyNames).read({ from: addDays(today, -6), to: today });
    assert.equal(figures.signIns.total, stored.filter((e) => e.type === 'signin.succeeded').length);
    assert.ok(figures.signIns.total > 0);
    assert.equal(figures.clinicians.linked, stored.filter((e) => e.type === 'psc.verified' && e.details?.created === true).length);
  });

  it('writes the day-only layout of the aggregates: day hashes and day sets, no month hash nor week or month set', async () => {
    const dayOnly = uniquePrefix('pilot-seed-layout');
    try {
      const { code, errors } = await run(['--clinicians', '5', '--days', '3', '--seed', '6'], { ...env, REDIS_PREFIX: dayOnly });
      assert.equal(code, 0, errors);
      const kinds = new Set<string>();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${dayOnly}{pilot}:*`, 'COUNT', 500);
        cursor = next;
        for (const key of keys) kinds.add(key.slice(`${dayOnly}{pilot}:`.length).split(':')[0]!);
      } while (cursor !== '0');
      assert.ok(kinds.has('day') && kinds.has('active') && kinds.has('days'), [...kinds].join(', '));
      for (const legacy of ['month', 'active-week', 'active-month']) assert.ok(!kinds.has(legacy), `no ${legacy} key`);
    } finally {
      await deletePrefix(dayOnly);
    }
  });

  it('refuses production (exit 2) before touching anything', async () => {
    const production = {
      ...env,
      NODE_ENV: 'production',
      SANDBOX: 'false',
      ISSUER: 'https://gateway.example.org',
      TRUST_PROXY: 'loopback',
      PSC_ISSUER: 'https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet',
      PSC_CLIENT_SECRET: 'not-a-real-secret',
      AUDIT_MAC_KEY: 'x'.repeat(40),
    };
    const { code, errors } = await run([], production);
    assert.equal(code, 2);
    assert.match(errors, /refused in production/);
  });

  it('refuses the in-memory store (exit 2) and says to set REDIS_URL', async () => {
    const { code, errors } = await run([], { NODE_ENV: 'test', KEYS_DIR: keysDir });
    assert.equal(code, 2);
    assert.match(errors, /set REDIS_URL \(the same as the gateway's\)/);
  });

  it('refuses bad options (exit 2) with the usage', async () => {
    for (const argv of [['--clinicians', 'abc'], ['--days', '0'], ['--colour', 'red'], ['extra']]) {
      const { code, errors } = await run(argv, env);
      assert.equal(code, 2, argv.join(' '));
      assert.match(errors, /usage: npm run pilot:seed/);
    }
    assert.match((await run(['--clinicians', 'abc'], env)).errors, /--clinicians: expected a whole number from 1 to 9999, got "abc"/);
  });
});
