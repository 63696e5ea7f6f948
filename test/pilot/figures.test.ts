/**
 * The pilot's figures from a known set of audit events equal values computed by hand
 * (see the comments), on Redis and in memory: Paris day boundaries, an ISO week, the
 * all-time totals before the range, a fall-back from a failed key to PSC, an empty range.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { AuditEvent, StoredAuditInput } from '../../src/audit/types.ts';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createPilotAggregates, createPilotFiguresReader, daysFrom, type PilotFigures } from '../../src/pilot/index.ts';
import { readingPlan } from '../../src/pilot/figures.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';

const A = '810100000001'; // doctor and pharmacist, has a key before the range
const B = '810100000002'; // doctor
const C = '810100000003'; // nurse, first linked during the range
const CHU = { finess: ['0B0193488'], establishments: ['CHU GENERIQUE DE TEST'] };
const TWO_SITES = { finess: ['0B0193488', '0B0211110'], establishments: ['CHU GENERIQUE DE TEST', 'CENTRE HOSPITALIER DE TEST NORD'] };

let seq = 0;
function event(time: string, input: StoredAuditInput): AuditEvent {
  seq += 1;
  return { ...input, seq, time, instance: 'test', prev: '', mac: '' };
}
const signedIn = (time: string, actor: string, profession: string, clientId: string, details: StoredAuditInput['details']) =>
  event(time, { type: 'signin.succeeded', outcome: 'success', actor, profession, clientId, details });

/** In recording order. Times are UTC; Paris is UTC+1 in November. */
const EVENTS: AuditEvent[] = [
  // Before the range (10 Nov): A and B linked, A enrols a key and signs in.
  event('2026-11-10T10:00:00Z', { type: 'psc.verified', outcome: 'success', actor: A, details: { created: true } }),
  event('2026-11-10T10:05:00Z', { type: 'psc.verified', outcome: 'success', actor: B, details: { created: true } }),
  event('2026-11-10T10:06:00Z', { type: 'key.enrolled', outcome: 'success', actor: A, details: { via: 'after-psc', keys: 1 } }),
  signedIn('2026-11-10T10:07:00Z', A, '10,21', 'demo-dpi', { method: 'psc-card', acr: 'eidas3', durationMs: 9000 }),
  // 16 Nov 00:30 in Paris (still the 15th in UTC): C linked, signs in with the card, enrols a key.
  event('2026-11-15T23:30:00Z', { type: 'psc.verified', outcome: 'success', actor: C, details: { created: true, attempt: 'c1' } }),
  signedIn('2026-11-16T08:00:00Z', C, '60', 'demo-dpi', {
    method: 'psc-card',
    acr: 'eidas3',
    phishingResistant: false,
    durationMs: 12_000,
    ...CHU,
    attempt: 'c1',
  }),
  event('2026-11-16T09:00:00Z', { type: 'key.offered', outcome: 'info', actor: C, clientId: 'demo-dpi', details: { required: false } }),
  event('2026-11-16T09:00:10Z', { type: 'key.enrolment_started', outcome: 'info', actor: C, clientId: 'demo-dpi', details: { via: 'after-psc' } }),
  event('2026-11-16T09:00:30Z', { type: 'key.enrolled', outcome: 'success', actor: C, clientId: 'demo-dpi', details: { via: 'after-psc', keys: 1 } }),
  // 17 Nov: A's key is refused, A falls back to PSC e-CPS in the same attempt; later A uses a passkey.
  event('2026-11-17T10:00:00Z', {
    type: 'signin.failed',
    outcome: 'failure',
    actor: A,
    clientId: 'demo-dmp',
    reason: 'user-verification-missing',
    details: { method: 'webauthn', ceremony: 'sign-in', attempt: 'a2' },
  }),
  signedIn('2026-11-17T10:01:00Z', A, '10,21', 'demo-dmp', { method: 'psc-ecps', acr: 'eidas2', durationMs: 30_500, ...TWO_SITES, attempt: 'a2' }),
  signedIn('2026-11-17T12:00:00Z', A, '10,21', 'demo-dpi', {
    method: 'webauthn-synced',
    acr: 'eidas2',
    phishingResistant: true,
    durationMs: 3400,
    ...TWO_SITES,
    attempt: 'a3',
  }),
  // B signs in with a hardware key at 23:59:59.999 on the 18th and at midnight (the 19th) in Paris.
  signedIn('2026-11-18T22:59:59.999Z', B, '10', 'demo-dpi', { method: 'webauthn-device', acr: 'eidas2', phishingResistant: true, durationMs: 2100 }),
  signedIn('2026-11-18T23:00:00.000Z', B, '10', 'demo-dmp', { method: 'webauthn-device', acr: 'eidas2', phishingResistant: true, durationMs: 2500 }),
  // 19 Nov: B is offered a key and skips it (B's sign-in above came from another device).
  event('2026-11-19T08:00:00Z', { type: 'key.offered', outcome: 'info', actor: B, clientId: 'demo-dpi', details: { required: false } }),
  event('2026-11-19T08:00:20Z', { type: 'key.skipped', outcome: 'info', actor: B, clientId: 'demo-dpi' }),
  // 20 Nov: B is offered a key again at their next PSC sign-in and skips again.
  event('2026-11-20T07:00:00Z', { type: 'key.offered', outcome: 'info', actor: B, clientId: 'demo-dpi', details: { required: false } }),
  event('2026-11-20T07:00:20Z', { type: 'key.skipped', outcome: 'info', actor: B, clientId: 'demo-dpi' }),
  // 20 Nov: a step-up met (A) and one unmet (B).
  event('2026-11-20T09:00:00Z', { type: 'stepup.asked', outcome: 'info', actor: A, clientId: 'demo-dmp' }),
  event('2026-11-20T09:00:30Z', { type: 'stepup.met', outcome: 'success', actor: A, clientId: 'demo-dmp' }),
  event('2026-11-20T10:00:00Z', { type: 'stepup.unmet', outcome: 'failure', actor: B, clientId: 'demo-dmp', reason: 'means-used-falls-short' }),
  // 21 Nov: A revokes their only key; someone cancels at the login page.
  event('2026-11-21T11:00:00Z', { type: 'key.revoked', outcome: 'success', actor: A, details: { by: 'owner', keysLeft: 0 } }),
  // The means lifecycle and the sessions the RIE report reads: one key expired then confirmed, one session usable past 4 h.
  event('2026-11-21T12:00:00Z', { type: 'key.expired', outcome: 'info', actor: B, details: { kind: 'security-key' } }),
  event('2026-11-21T12:05:00Z', { type: 'key.confirmed', outcome: 'success', actor: B, details: { kind: 'security-key', via: 'after-psc' } }),
  event('2026-11-21T13:00:00Z', { type: 'session.expired', outcome: 'info', actor: A, reason: 'absolute', details: { lastedMinutes: 300 } }),
  event('2026-11-21T14:00:00Z', { type: 'session.expired', outcome: 'info', actor: B, reason: 'idle', details: { lastedMinutes: 45 } }),
  event('2026-11-21T12:00:00Z', { type: 'signin.failed', outcome: 'failure', clientId: 'demo-dpi', reason: 'cancelled', details: { attempt: 'x1' } }),
  // 22 Nov: PSC is down once.
  event('2026-11-22T08:00:00Z', { type: 'psc.failed', outcome: 'failure', reason: 'unavailable' }),
  // After the range: 23 Nov 00:30 in Paris.
  signedIn('2026-11-22T23:30:00Z', C, '60', 'demo-dpi', { method: 'webauthn-device', acr: 'eidas2', phishingResistant: true, durationMs: 1000 }),
  // Events that are not pilot figures change nothing.
  event('2026-11-17T10:00:00Z', { type: 'token.issued', outcome: 'success', actor: A, clientId: 'demo-dpi' }),
];

const row = (key: string, count: number, share: number) => ({ key, count, share });

function checkWeek(figures: PilotFigures) {
  assert.deepEqual(figures.range, { from: '2026-11-16', to: '2026-11-22', days: 7, timeZone: 'Europe/Paris' });
  // A, B linked before; C on the 16th (00:30 Paris). Keys: A before; C on the 16th; A revoked on the 21st.
  assert.deepEqual(figures.clinicians, { linked: 3, newlyLinked: 1, withKey: 1, withKeyShare: 1 / 3, active: 3, dailyActiveAverage: 4 / 7 });
  assert.deepEqual(
    figures.daily.map((d) => [d.day, d.signIns, d.active, d.linked, d.withKey, d.failures, d.fallbacks, d.stepUps]),
    [
      ['2026-11-16', 1, 1, 3, 2, 0, 0, 0],
      ['2026-11-17', 2, 1, 3, 2, 1, 1, 0],
      ['2026-11-18', 1, 1, 3, 2, 0, 0, 0],
      ['2026-11-19', 1, 1, 3, 2, 0, 0, 0],
      ['2026-11-20', 0, 0, 3, 2, 0, 0, 1],
      ['2026-11-21', 0, 0, 3, 1, 1, 0, 0],
      ['2026-11-22', 0, 0, 3, 1, 0, 0, 0],
    ],
  );
  assert.deepEqual(figures.daily[1]!.byGroup, { passkey: 1, 'hardware-key': 0, 'psc-card': 0, 'psc-ecps': 1, 'ecps-and-key': 0, other: 0 });
  assert.deepEqual(figures.weekly, [{ week: '2026-W47', from: '2026-11-16', to: '2026-11-22', partial: false, active: 3 }]);
  // Five sign-ins: card (C), e-CPS (A), passkey (A), hardware key twice (B).
  const s = figures.signIns;
  assert.equal(s.total, 5);
  assert.deepEqual(s.byGroup, [row('passkey', 1, 0.2), row('hardware-key', 2, 0.4), row('psc-card', 1, 0.2), row('psc-ecps', 1, 0.2)]);
  assert.deepEqual(s.byMethod, [row('webauthn-device', 2, 0.4), row('psc-card', 1, 0.2), row('psc-ecps', 1, 0.2), row('webauthn-synced', 1, 0.2)]);
  assert.deepEqual(s.byAcr, [row('eidas2', 4, 0.8), row('eidas3', 1, 0.2)]);
  assert.deepEqual(s.atLeastEidas2, { count: 5, share: 1 });
  assert.deepEqual(s.eidas3, { count: 1, share: 0.2 });
  assert.deepEqual(s.phishingResistant, { count: 3, share: 0.6 });
  assert.deepEqual(s.byClient, [row('demo-dpi', 3, 0.6), row('demo-dmp', 2, 0.4)]);
  // Professions: C (60) once, A (10 and 21) twice, B (10) twice.
  assert.deepEqual(s.byProfession, [row('10', 4, 0.8), row('21', 2, 0.4), row('60', 1, 0.2)]);
  assert.deepEqual(s.byEstablishment, [
    { ...row('0B0193488', 3, 0.6), name: 'CHU GENERIQUE DE TEST' },
    { ...row('0B0211110', 2, 0.4), name: 'CENTRE HOSPITALIER DE TEST NORD' },
  ]);
  // Nearest rank: B's two key sign-ins (2.1 s, 2.5 s): median 2.1 s, p90 2.5 s; 30.5 s is in the 31 s bucket.
  assert.deepEqual(figures.timeToSignIn, [
    { method: 'webauthn-device', group: 'hardware-key', count: 2, medianMs: 2100, p90Ms: 2500 },
    { method: 'psc-card', group: 'psc-card', count: 1, medianMs: 12_000, p90Ms: 12_000 },
    { method: 'psc-ecps', group: 'psc-ecps', count: 1, medianMs: 31_000, p90Ms: 31_000 },
    { method: 'webauthn-synced', group: 'passkey', count: 1, medianMs: 3400, p90Ms: 3400 },
  ]);
  assert.deepEqual(figures.failures, {
    total: 2,
    byReason: [row('cancelled', 1, 0.5), row('user-verification-missing', 1, 0.5)],
    byMethod: [row('other', 1, 0.5), row('webauthn', 1, 0.5)],
    pscErrors: [row('unavailable', 1, 0)],
    fallbacksKeyToPsc: 1,
  });
  // Offered to C once and to B twice; C starts and completes, B skips both times.
  assert.deepEqual(figures.funnel, {
    offered: 3,
    started: 1,
    completed: 1,
    skipped: 2,
    refused: 0,
    clinicians: { offered: 2, started: 1, completed: 1, skipped: 1 },
    completionRate: 0.5,
  });
  assert.deepEqual(figures.stepUps, { asked: 1, met: 1, unmet: 1 });
  assert.deepEqual(figures.keys, {
    enrolled: 1,
    enrolledAfterPsc: 1,
    enrolledFromAccount: 0,
    revoked: 1,
    revokedBy: [row('owner', 1, 1)],
    expired: 1,
    confirmed: 1,
  });
  assert.deepEqual(figures.sessions, { ended: 2, over4h: 1 });
  assert.deepEqual(figures.emergency, { issued: 0, used: 0 });
}

describe('pilot reading plan', () => {
  it('reads whole months from month hashes and only the edge days one by one', () => {
    const plan = readingPlan(daysFrom('2026-10-15', '2026-12-05'), ['2026-09-03', '2026-09-30', '2026-10-02', '2026-10-14']);
    assert.deepEqual(plan.earlierMonths, ['2026-09']);
    assert.deepEqual(plan.earlierDays, ['2026-10-02', '2026-10-14']);
    assert.deepEqual(plan.wholeMonths, ['2026-11']);
    assert.equal(plan.edgeDays.length, 17 + 5);
    assert.equal(plan.edgeDays[0], '2026-10-15');
    assert.equal(plan.edgeDays.at(-1), '2026-12-05');
    const year = readingPlan(daysFrom('2026-01-01', '2026-12-31'), []);
    assert.equal(year.wholeMonths.length, 12);
    assert.deepEqual(year.edgeDays, []);
    const february = readingPlan(daysFrom('2028-02-01', '2028-02-29'), []);
    assert.deepEqual(february.wholeMonths, ['2028-02'], 'a leap February is whole on the 29th');
  });
});

function figuresSuite(kind: 'redis' | 'memory', open: (prefix: string) => { store: Store; close(): Promise<void> }) {
  describe(`pilot figures from known events (${kind})`, () => {
    const prefix = uniquePrefix(`pilot-${kind}`);
    let store: Store;
    let close: () => Promise<void>;
    let reader: ReturnType<typeof createPilotFiguresReader>;

    beforeAll(async () => {
      ({ store, close } = open(prefix));
      const aggregates = createPilotAggregates(store, createKeyNames(prefix));
      for (const e of EVENTS) await aggregates.apply(e);
      reader = createPilotFiguresReader(store, createKeyNames(prefix));
    });
    afterAll(async () => {
      await close();
    });

    it('a full ISO week in Paris equals the figures computed by hand', async () => {
      checkWeek(await reader.read({ from: '2026-11-16', to: '2026-11-22' }));
    });

    it('a range that cuts weeks reports partial weeks; the day after the range is not counted', async () => {
      const figures = await reader.read({ from: '2026-11-18', to: '2026-11-23' });
      assert.deepEqual(figures.weekly, [
        { week: '2026-W47', from: '2026-11-18', to: '2026-11-22', partial: true, active: 1 },
        { week: '2026-W48', from: '2026-11-23', to: '2026-11-23', partial: true, active: 1 },
      ]);
      assert.equal(figures.signIns.total, 3); // B twice, C just after midnight on the 23rd
      assert.deepEqual(
        figures.daily.map((d) => d.signIns),
        [1, 1, 0, 0, 0, 1],
      );
      assert.equal(figures.clinicians.active, 2);
      assert.equal(figures.clinicians.newlyLinked, 0);
      assert.equal(figures.clinicians.linked, 3);
      assert.equal(figures.failures.fallbacksKeyToPsc, 0);
    });

    it('a whole month read from the month hash equals the sum of its days', async () => {
      // November: A on the 10th (card), the five sign-ins of the week, C on the 23rd (key).
      for (const range of [
        { from: '2026-11-01', to: '2026-11-30' },
        { from: '2026-10-15', to: '2026-12-05' },
      ]) {
        const figures = await reader.read(range);
        assert.equal(figures.signIns.total, 7, JSON.stringify(range));
        assert.deepEqual(
          figures.signIns.byGroup.map((r) => [r.key, r.count]),
          [
            ['passkey', 1],
            ['hardware-key', 3],
            ['psc-card', 2],
            ['psc-ecps', 1],
          ],
        );
        assert.deepEqual(figures.clinicians, {
          linked: 3,
          newlyLinked: 3,
          withKey: 1,
          withKeyShare: 1 / 3,
          active: 3,
          dailyActiveAverage: 6 / figures.range.days,
        });
        assert.equal(figures.failures.fallbacksKeyToPsc, 1);
        assert.deepEqual(
          figures.timeToSignIn.find((m) => m.method === 'psc-card'),
          { method: 'psc-card', group: 'psc-card', count: 2, medianMs: 9000, p90Ms: 12_000 },
        );
        assert.equal(
          figures.daily.reduce((n, d) => n + d.signIns, 0),
          7,
        );
      }
      // Starting on 1 December: November is read whole as "before the range".
      const december = await reader.read({ from: '2026-12-01', to: '2026-12-01' });
      assert.deepEqual([december.clinicians.linked, december.clinicians.withKey], [3, 1]);
    });

    it('an empty range has zero counts and shares, no times, and keeps the all-time totals', async () => {
      const figures = await reader.read({ from: '2026-12-01', to: '2026-12-03' });
      assert.equal(figures.signIns.total, 0);
      assert.deepEqual(figures.signIns.byGroup, []);
      assert.deepEqual(figures.signIns.atLeastEidas2, { count: 0, share: 0 });
      assert.deepEqual(figures.timeToSignIn, []);
      assert.equal(figures.funnel.completionRate, 0);
      assert.deepEqual(figures.clinicians, { linked: 3, newlyLinked: 0, withKey: 1, withKeyShare: 1 / 3, active: 0, dailyActiveAverage: 0 });
      assert.deepEqual(
        figures.daily.map((d) => [d.day, d.signIns, d.linked, d.withKey]),
        [
          ['2026-12-01', 0, 3, 1],
          ['2026-12-02', 0, 3, 1],
          ['2026-12-03', 0, 3, 1],
        ],
      );
    });

    it('a range before any event is all zeros', async () => {
      const figures = await reader.read({ from: '2026-01-01', to: '2026-01-01' });
      assert.deepEqual(figures.clinicians, { linked: 0, newlyLinked: 0, withKey: 0, withKeyShare: 0, active: 0, dailyActiveAverage: 0 });
      assert.equal(figures.weekly[0]?.week, '2026-W01');
    });

    it('keeps clinicians pseudonymous in the aggregates', async () => {
      const dump = JSON.stringify(
        await Promise.all(
          ['day', 'active'].map(async (part) =>
            store
              .hgetall(createKeyNames(prefix).custom('pilot', part, '2026-11-17'))
              .catch(() => store.smembers(createKeyNames(prefix).custom('pilot', part, '2026-11-17'))),
          ),
        ),
      );
      assert.ok(dump.length > 10);
      assert.doesNotMatch(dump, /81010000000/);
    });
  });
}

figuresSuite('memory', () => ({ store: createMemoryStore(), close: async () => {} }));
figuresSuite('redis', (prefix) => {
  const redis = new Redis(TEST_REDIS_URL);
  const store = createRedisStore(redis);
  return {
    store,
    close: async () => {
      await deletePrefix(prefix);
      await store.close();
    },
  };
});
