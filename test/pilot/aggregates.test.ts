/**
 * The pilot aggregates share one write between the events applied together (aggregates.ts):
 * the figures must be exactly those of applying the events one by one, no write may carry more
 * than MAX_EVENTS_PER_WRITE events, and each apply() settles with the write that carries its
 * event — resolved only once it succeeded, rejected when it failed.
 */
import { afterAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { AuditEvent } from '../../src/audit/types.ts';
import { isoWeek, parisDay } from '../../src/calendar/paris-days.ts';
import { createKeyNames, type KeyNames } from '../../src/store/key-names.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { Store, StoreBatch } from '../../src/store/store.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';
import { createPilotAggregates, MAX_EVENTS_PER_WRITE, pilotKeys } from '../../src/pilot/aggregates.ts';
import { FUNNEL_STEPS } from '../../src/pilot/counters.ts';
import { generatePilotActivity } from '../../src/pilot/seed.ts';

const END_DAY = '2026-03-31';
/** 40 clinicians over 8 days: a few thousand events with fall-backs, funnels and establishments. */
const EVENTS: AuditEvent[] = generatePilotActivity({ endDay: END_DAY, clinicians: 40, days: 8 }).map(({ time, input }, i) => ({
  ...input,
  seq: i + 1,
  time: new Date(time).toISOString(),
  instance: 't',
  prev: '',
  mac: '',
}));

/** A store whose batches are counted, with what each HINCRBY of `field` added. */
function countingStore(inner: Store, field = 'signin') {
  const writes: number[][] = [];
  const store: Store = {
    ...inner,
    batch() {
      const batch = inner.batch();
      const increments: number[] = [];
      const exec = batch.exec.bind(batch);
      const hincrby = batch.hincrby.bind(batch);
      batch.hincrby = (key, f, by) => {
        if (f === field && key.includes(':day:')) increments.push(by);
        return hincrby(key, f, by);
      };
      batch.exec = () => {
        writes.push(increments);
        return exec();
      };
      return batch;
    },
  };
  return { store, writes };
}

/**
 * Everything the aggregates of these events can have written, read back key by key: values,
 * and TTLs apart (they depend on when each key was written).
 */
async function snapshot(store: Store, keyNames: KeyNames, events: AuditEvent[]) {
  const k = pilotKeys(keyNames);
  const days = [...new Set(events.map((e) => parisDay(e.time)))].sort();
  const months = [...new Set(days.map((d) => d.slice(0, 7)))];
  const attempts = [...new Set(events.map((e) => e.details?.attempt).filter((a): a is string => typeof a === 'string'))];
  const finess = [...new Set(events.flatMap((e) => (Array.isArray(e.details?.finess) ? (e.details.finess as string[]) : [])))];
  const hashes = [...days.map(k.day), ...months.map(k.month)];
  const sets = [
    ...days.map(k.active),
    ...days.map((d) => k.activeInWeek(isoWeek(d))),
    ...months.map(k.activeInMonth),
    ...FUNNEL_STEPS.flatMap((step) => days.map((d) => k.funnel(step, d))),
  ];
  const strings = [...attempts.map(k.attempt), ...finess.map(k.establishment)];
  const values: Record<string, unknown> = { days: await store.zrangeUpTo(k.days, Infinity, 10_000) };
  const ttls: Record<string, number> = {};
  for (const key of hashes) values[key] = await store.hgetall(key);
  for (const key of sets) values[key] = (await store.smembers(key)).sort();
  for (const key of strings) values[key] = await store.get(key);
  for (const key of [...hashes, ...sets, ...strings]) ttls[key] = await store.ttl(key);
  return { values, ttls };
}

function signIn(i: number, time = '2026-03-20T09:00:00Z'): AuditEvent {
  return {
    type: 'signin.succeeded',
    outcome: 'success',
    actor: `8101${String(i).padStart(8, '0')}`,
    profession: '10',
    clientId: 'dpi',
    details: { method: 'webauthn-device', acr: 'eidas2' },
    seq: i + 1,
    time,
    instance: 't',
    prev: '',
    mac: '',
  };
}

/** A gate a test opens: resolve lets the write through, reject fails it. */
function gate() {
  let open!: (ok: boolean) => void;
  const opened = new Promise<boolean>((resolve) => (open = resolve));
  return { open, opened };
}

describe('pilot aggregates: events applied together share one write', () => {
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(prefix);
  });

  for (const kind of ['memory', 'redis'] as const) {
    it(`gives exactly the figures of applying the events one by one (${kind})`, async () => {
      const redis = kind === 'redis' ? new Redis(TEST_REDIS_URL) : undefined;
      const now = Date.parse(`${END_DAY}T20:00:00Z`);
      const fresh = () => {
        const prefix = uniquePrefix('pilot-aggregates');
        if (redis) prefixes.push(prefix);
        return { store: redis ? createRedisStore(redis) : createMemoryStore({ now: () => now }), keyNames: createKeyNames(prefix) };
      };
      try {
        const one = fresh();
        const oneByOne = createPilotAggregates(one.store, one.keyNames);
        for (const e of EVENTS) await oneByOne.apply(e);

        const together = fresh();
        const counted = countingStore(together.store);
        // Every apply() called at once, in the order of the trail: a PSC sign-in's take of its
        // attempt follows the failed key's mark applied before it, as one by one.
        const aggregates = createPilotAggregates(counted.store, together.keyNames);
        await Promise.all(EVENTS.map((e) => aggregates.apply(e)));

        const [a, b] = [await snapshot(one.store, one.keyNames, EVENTS), await snapshot(together.store, together.keyNames, EVENTS)];
        const rename = <T>(values: Record<string, T>, prefix: string): Record<string, T> =>
          Object.fromEntries(Object.entries(values).map(([key, v]) => [key.replace(prefix, ''), v]));
        assert.deepEqual(rename(b.values, together.keyNames.prefix), rename(a.values, one.keyNames.prefix));
        assert.ok(Object.keys(a.values).length > 100 && (a.values.days as string[]).length === 8, 'the events reach many keys over the 8 days');
        const fallbacks = Object.values(a.values).filter((v) => typeof v === 'object' && v !== null && 'fallback.key-to-psc' in v);
        assert.ok(fallbacks.length > 0, 'fall-backs are counted (their attempt was taken)');
        const ttlsB = rename(b.ttls, together.keyNames.prefix);
        for (const [key, ttl] of Object.entries(rename(a.ttls, one.keyNames.prefix))) {
          const other = ttlsB[key]!;
          assert.ok(ttl < 0 ? other === ttl : Math.abs(other - ttl) <= 60, `${key}: TTL ${other}, one by one ${ttl}`);
        }

        assert.ok(counted.writes.length * 10 < EVENTS.length, `${EVENTS.length} events in ${counted.writes.length} writes`);
      } finally {
        redis?.disconnect();
      }
    });
  }

  it(`carries at most ${MAX_EVENTS_PER_WRITE} events a write; one applied while a write is in flight waits for the next`, async () => {
    const { store, writes } = countingStore(createMemoryStore());
    const keyNames = createKeyNames('bound:');
    const aggregates = createPilotAggregates(store, keyNames);
    const count = 2 * MAX_EVENTS_PER_WRITE + 50;
    await Promise.all(Array.from({ length: count }, (_v, i) => aggregates.apply(signIn(i))));
    assert.deepEqual(writes, [[MAX_EVENTS_PER_WRITE], [MAX_EVENTS_PER_WRITE], [50]], 'the sign-ins of one day summed into one HINCRBY per write');
    assert.equal((await store.hgetall(pilotKeys(keyNames).day('2026-03-20')))?.signin, String(count));
    assert.equal(await store.unionCount([pilotKeys(keyNames).active('2026-03-20')]), count);

    writes.length = 0;
    const alone = aggregates.apply(signIn(1000));
    await Promise.resolve();
    const next = [aggregates.apply(signIn(1001)), aggregates.apply(signIn(1002))];
    await Promise.all([alone, ...next]);
    assert.deepEqual(writes, [[1], [2]]);
  });

  it('counts a fall-back whose failed key was applied in the same tick (the take waits for the mark)', async () => {
    const store = createMemoryStore();
    const keyNames = createKeyNames('fallback:');
    const k = pilotKeys(keyNames);
    const aggregates = createPilotAggregates(store, keyNames);
    const attempt = '0123456789abcdef';
    const failed: AuditEvent = { ...signIn(0), type: 'signin.failed', outcome: 'failure', reason: 'webauthn-failed', details: { method: 'webauthn', attempt } };
    const psc: AuditEvent = { ...signIn(1), details: { method: 'psc-card', acr: 'eidas3', attempt } };
    await Promise.all([aggregates.apply(failed), aggregates.apply(psc)]);
    assert.equal((await store.hgetall(k.day('2026-03-20')))?.['fallback.key-to-psc'], '1');
    assert.equal(await store.get(k.attempt(attempt)), null, 'the mark was taken');
  });

  it('resolves each apply() only once its write succeeded, and rejects every apply() a failed write carried', async () => {
    const inner = createMemoryStore();
    const keyNames = createKeyNames('fail:');
    const gates = [gate(), gate()];
    let write = 0;
    const store: Store = {
      ...inner,
      batch(): StoreBatch {
        const batch = inner.batch();
        const exec = batch.exec.bind(batch);
        const mine = gates[write++];
        batch.exec = async () => {
          if (mine && !(await mine.opened)) throw new Error('redis: no answer to EVALSHA within 3000 ms');
          return exec();
        };
        return batch;
      },
    };
    const aggregates = createPilotAggregates(store, keyNames);
    const settled: string[] = [];
    const watch = (name: string, p: Promise<void>) =>
      p.then(
        () => void settled.push(`${name} resolved`),
        (err: unknown) => void settled.push(`${name} rejected: ${(err as Error).message}`),
      );

    const first = [0, 1, 2].map((i) => watch(`first ${i}`, aggregates.apply(signIn(i))));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = [3, 4].map((i) => watch(`second ${i}`, aggregates.apply(signIn(i))));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(settled, [], 'nothing settles before its write');

    gates[0]!.open(false);
    await Promise.all(first);
    assert.deepEqual(
      settled,
      [0, 1, 2].map((i) => `first ${i} rejected: redis: no answer to EVALSHA within 3000 ms`),
      'every event of the failed write is reported, none of the next write yet',
    );
    gates[1]!.open(true);
    await Promise.all(second);
    assert.deepEqual(settled.slice(3), ['second 3 resolved', 'second 4 resolved'], 'the write after a failed one still runs');
    assert.equal((await inner.hgetall(pilotKeys(keyNames).day('2026-03-20')))?.signin, '2');
    assert.deepEqual(await inner.zrangeUpTo(pilotKeys(keyNames).days, Infinity, 10), ['2026-03-20']);
  });
});
