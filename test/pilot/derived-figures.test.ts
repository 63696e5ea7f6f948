/**
 * The figures of months and ISO weeks, which the aggregates derive from the days when they are
 * read (aggregates.ts, figures.ts, closed-periods.ts), equal values computed by hand: across a
 * month boundary (23:59:59.999 and 00:00 in Paris), for a week spanning two months, and for a
 * range of two months (a clinician active in both counted once) — whether the periods are
 * still open, closed and read from their kept summaries, or closed and outdated by a late
 * event. Across the upgrade from the layout with month keys: the legacy month hash and week and
 * month sets with their days give the same figures as the days alone; without their days (lost,
 * or day sets expired) the legacy keys still give the old figures; a week and a month cut by the
 * upgrade count the events of both releases. On memory and on Redis.
 */
import { afterAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { AuditEvent, StoredAuditInput } from '../../src/audit/types.ts';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createPilotAggregates, createPilotFiguresReader, daysFrom, pilotKeys, type PilotFigures } from '../../src/pilot/index.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';

const [P1, P2, P3, P4, P5, P6] = ['810100000011', '810100000012', '810100000013', '810100000014', '810100000015', '810100000016'] as const;

let seq = 0;
function event(time: string, input: StoredAuditInput): AuditEvent {
  seq += 1;
  return { ...input, seq, time, instance: 'test', prev: '', mac: '' };
}
const signIn = (actor: string, time: string) =>
  event(time, { type: 'signin.succeeded', outcome: 'success', actor, clientId: 'dpi', details: { method: 'webauthn-device', acr: 'eidas2' } });
const linked = (actor: string, time: string) => event(time, { type: 'psc.verified', outcome: 'success', actor, details: { created: true } });

/**
 * Times in UTC; Paris is UTC+1. 2 Nov 2026 is a Monday: W45 = 2–8 Nov, W48 = 23–29 Nov,
 * W49 = 30 Nov – 6 Dec (two months), W50 = 7–13 Dec.
 */
const BEFORE_UPGRADE: AuditEvent[] = [
  signIn(P5, '2026-11-02T10:00:00Z'), // P5's only sign-in (W45)
  linked(P1, '2026-11-27T09:00:00Z'),
  signIn(P1, '2026-11-27T10:00:00Z'),
  signIn(P2, '2026-11-29T10:00:00Z'),
  signIn(P1, '2026-11-30T08:00:00Z'),
  signIn(P1, '2026-11-30T09:00:00Z'),
  signIn(P3, '2026-11-30T22:59:59.999Z'), // 30 Nov, 23:59:59.999 in Paris
  signIn(P3, '2026-11-30T23:00:00.000Z'), // 1 Dec, 00:00 in Paris
  linked(P4, '2026-12-01T09:00:00Z'),
  signIn(P4, '2026-12-01T10:00:00Z'),
];
const AFTER_UPGRADE: AuditEvent[] = [signIn(P2, '2026-12-06T10:00:00Z'), signIn(P4, '2026-12-07T10:00:00Z')];
const EVENTS = [...BEFORE_UPGRADE, ...AFTER_UPGRADE];

/** The readers' clocks: nothing closed but the weeks up to W48; November and W45–W50 closed; both months closed. */
const CLOCKS = { '1 Dec': '2026-12-01T11:00:00Z', '20 Dec': '2026-12-20T11:00:00Z', '10 Jan': '2027-01-10T11:00:00Z' } as const;
/** The writers' clock: every event above is of an earlier day (late). */
const WRITER_NOW = () => Date.parse('2027-02-01T11:00:00Z');

const RANGES = {
  november: { from: '2026-11-01', to: '2026-11-30' },
  december: { from: '2026-12-01', to: '2026-12-31' },
  both: { from: '2026-11-01', to: '2026-12-31' },
  w49: { from: '2026-11-30', to: '2026-12-06' },
} as const;

const weekly = (figures: PilotFigures) => figures.weekly.map((w) => `${w.week}${w.partial ? ' (partial)' : ''}: ${w.active}`);

/** The figures of the events above, computed by hand. */
function checkByHand(figures: Record<keyof typeof RANGES, PilotFigures>, context: string) {
  const { november, december, both, w49 } = figures;
  // November: P5, P1, P2, P1 twice, P3 at 23:59:59.999; distinct P5, P1, P2, P3.
  assert.equal(november.signIns.total, 6, context);
  assert.deepEqual(november.clinicians, { linked: 1, newlyLinked: 1, withKey: 0, withKeyShare: 0, active: 4, dailyActiveAverage: 5 / 30 }, context);
  assert.deepEqual(weekly(november), ['2026-W44 (partial): 0', '2026-W45: 1', '2026-W46: 0', '2026-W47: 0', '2026-W48: 2', '2026-W49 (partial): 2'], context);
  // December: P3 at 00:00, P4, P2, P4; distinct P3, P4, P2. Linked before it: P1.
  assert.equal(december.signIns.total, 4, context);
  assert.deepEqual(december.clinicians, { linked: 2, newlyLinked: 1, withKey: 0, withKeyShare: 0, active: 3, dailyActiveAverage: 4 / 31 }, context);
  assert.deepEqual(weekly(december), ['2026-W49 (partial): 3', '2026-W50: 1', '2026-W51: 0', '2026-W52: 0', '2026-W53 (partial): 0'], context);
  // Both months: 10 sign-ins, 5 distinct clinicians (P2, P3 and P4 in both: not 4 + 3).
  assert.equal(both.signIns.total, 10, context);
  assert.equal(both.clinicians.active, 5, context);
  assert.equal(both.clinicians.newlyLinked, 2, context);
  assert.deepEqual(weekly(both).slice(4, 7), ['2026-W48: 2', '2026-W49: 4', '2026-W50: 1'], `${context}: W49 spans both months`);
  // W49 alone: P1 twice and P3 on the 30th, P3 and P4 on the 1st, P2 on the 6th.
  assert.equal(w49.signIns.total, 6, context);
  assert.deepEqual(weekly(w49), ['2026-W49: 4'], context);
  assert.deepEqual(
    w49.daily.map((d) => [d.day, d.signIns, d.active, d.linked]),
    [
      ['2026-11-30', 3, 2, 1],
      ['2026-12-01', 2, 2, 2],
      ['2026-12-02', 0, 0, 2],
      ['2026-12-03', 0, 0, 2],
      ['2026-12-04', 0, 0, 2],
      ['2026-12-05', 0, 0, 2],
      ['2026-12-06', 1, 1, 2],
    ],
    context,
  );
}

async function readAll(store: Store, prefix: string, clock: string): Promise<Record<keyof typeof RANGES, PilotFigures>> {
  const reader = createPilotFiguresReader(store, createKeyNames(prefix), { now: () => Date.parse(clock) });
  const entries = await Promise.all(Object.entries(RANGES).map(async ([name, range]) => [name, await reader.read(range)] as const));
  return Object.fromEntries(entries) as Record<keyof typeof RANGES, PilotFigures>;
}

async function load(store: Store, prefix: string, events: AuditEvent[], writeMonthKeys = false) {
  const aggregates = createPilotAggregates(store, createKeyNames(prefix), { now: WRITER_NOW, writeMonthKeys });
  for (const e of events) await aggregates.apply(e);
}

function suite(kind: 'memory' | 'redis', open: () => { store: Store; prefix: string }) {
  describe(`pilot figures of months and weeks, derived from the days (${kind})`, () => {
    it('equal the values computed by hand, open, closed (read twice: derived, then kept) and closed then outdated by a late event', async () => {
      const { store, prefix } = open();
      await load(store, prefix, EVENTS);
      for (const [name, clock] of Object.entries(CLOCKS)) {
        checkByHand(await readAll(store, prefix, clock), `read on ${name}`);
        checkByHand(await readAll(store, prefix, clock), `read again on ${name}`);
      }
      // P6 signs in on 15 Nov (W46), counted late: November and W46 are read afresh.
      await load(store, prefix, [signIn(P6, '2026-11-15T10:00:00Z')]);
      const late = await readAll(store, prefix, CLOCKS['10 Jan']);
      assert.equal(late.november.signIns.total, 7);
      assert.equal(late.november.clinicians.active, 5);
      assert.equal(late.both.clinicians.active, 6);
      assert.deepEqual(weekly(late.november).slice(1, 3), ['2026-W45: 1', '2026-W46: 1']);
    });

    it("keep a closed month's clinicians from the first read after it, whatever the range, before its day sets expire", async () => {
      const { store, prefix } = open();
      await load(store, prefix, EVENTS);
      const reader = createPilotFiguresReader(store, createKeyNames(prefix), { now: () => Date.parse(CLOCKS['10 Jan']) });
      await reader.read({ from: '2026-12-20', to: '2026-12-31' }); // November only before the range
      // P5's only day set (2 Nov) expires; November read whole still counts P5.
      await store.del(pilotKeys(createKeyNames(prefix)).active('2026-11-02'));
      const november = await reader.read(RANGES.november);
      assert.equal(november.clinicians.active, 4);
      assert.equal(november.daily[1]!.active, 0, "2 Nov's own count is gone");
    });

    it('with the legacy month keys and their days, equal the figures of the days alone; the month hashes equal the sums of their days', async () => {
      const days = open();
      const legacy = open();
      await load(days.store, days.prefix, EVENTS);
      await load(legacy.store, legacy.prefix, EVENTS, true);
      for (const clock of Object.values(CLOCKS))
        assert.deepEqual(await readAll(legacy.store, legacy.prefix, clock), await readAll(days.store, days.prefix, clock), clock);
      const k = pilotKeys(createKeyNames(legacy.prefix));
      for (const [month, last] of [
        ['2026-11', '2026-11-30'],
        ['2026-12', '2026-12-31'],
      ] as const) {
        const sum: Record<string, number> = {};
        for (const day of daysFrom(`${month}-01`, last)) {
          for (const [field, value] of Object.entries((await legacy.store.hgetall(k.day(day))) ?? {})) sum[field] = (sum[field] ?? 0) + Number(value);
        }
        const hash = Object.fromEntries(Object.entries((await legacy.store.hgetall(k.month(month))) ?? {}).map(([f, v]) => [f, Number(v)]));
        assert.deepEqual(hash, sum, month);
      }
    });

    it('with the legacy month keys but without their days, still give the old figures of closed months and weeks', async () => {
      const { store, prefix } = open();
      await load(store, prefix, EVENTS, true);
      const k = pilotKeys(createKeyNames(prefix));
      // November's day hashes and day sets are lost.
      for (const day of daysFrom('2026-11-01', '2026-11-30')) await store.del(k.day(day), k.active(day));
      const figures = await readAll(store, prefix, CLOCKS['10 Jan']);
      assert.equal(figures.november.signIns.total, 6, 'from the legacy month hash');
      assert.equal(figures.november.clinicians.active, 4, 'from the legacy month set');
      assert.equal(figures.december.clinicians.linked, 2, 'P1, linked in November, from the legacy month hash');
      assert.deepEqual(weekly(figures.november).slice(1, 5), ['2026-W45: 1', '2026-W46: 0', '2026-W47: 0', '2026-W48: 2'], 'from the legacy week sets');
      assert.equal(figures.both.clinicians.active, 5);
      assert.deepEqual(weekly(figures.w49), ['2026-W49: 4'], 'W49 from its legacy set and its December days');
      assert.equal(
        figures.november.daily.reduce((n, d) => n + d.signIns, 0),
        0,
        'the daily series has only the days',
      );
    });

    it('count a clinician whose day set expired through the legacy month and week sets, open or closed', async () => {
      const { store, prefix } = open();
      await load(store, prefix, EVENTS, true);
      // P5's only day set (2 Nov) expired; the legacy sets of November and W45 still hold P5.
      await store.del(pilotKeys(createKeyNames(prefix)).active('2026-11-02'));
      for (const [name, clock] of Object.entries(CLOCKS)) {
        const figures = await readAll(store, prefix, clock);
        assert.equal(figures.november.clinicians.active, 4, name);
        assert.equal(figures.both.clinicians.active, 5, name);
        assert.equal(weekly(figures.november)[1], '2026-W45: 1', name);
        assert.equal(figures.november.daily[1]!.active, 0, `${name}: 2 Nov's own count is gone`);
      }
    });

    it('a week and a month cut by the upgrade count the events of both releases', async () => {
      const { store, prefix } = open();
      await load(store, prefix, BEFORE_UPGRADE, true);
      await load(store, prefix, AFTER_UPGRADE);
      for (const [name, clock] of Object.entries(CLOCKS)) checkByHand(await readAll(store, prefix, clock), `cut by the upgrade, read on ${name}`);
    });
  });
}

suite('memory', () => ({ store: createMemoryStore(), prefix: 'derived:' }));

const redisPrefixes: string[] = [];
const redisStores: Store[] = [];
suite('redis', () => {
  const prefix = uniquePrefix('pilot-derived');
  const store = createRedisStore(new Redis(TEST_REDIS_URL));
  redisPrefixes.push(prefix);
  redisStores.push(store);
  return { store, prefix };
});
afterAll(async () => {
  for (const store of redisStores) await store.close();
  for (const prefix of redisPrefixes) await deletePrefix(prefix);
});
