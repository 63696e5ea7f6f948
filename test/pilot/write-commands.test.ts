/**
 * What one event costs Redis in the pilot aggregates (aggregates.ts): the Redis commands each
 * write runs, counted by a private redis-server's INFO commandstats (the inner commands of the
 * batch script included, as the bench counts them). A sign-in writes its day only: 3 HINCRBY on
 * the day hash (`signin` and the method group by name, the six other counters as one combined
 * field: day-counters.ts), SADD on the day set, and that set's EXPIRE only when the SADD added the
 * clinician — yet every set keeps its TTL, also one another instance created first or one
 * Redis lost and a later write created again. The legacy month keys cost what they did before
 * only with writeMonthKeys.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { AuditEvent } from '../../src/audit/types.ts';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { Store } from '../../src/store/store.ts';
import { ACTIVE_KEPT_DAYS, createPilotAggregates, pilotKeys } from '../../src/pilot/aggregates.ts';
import { createRedisServer, type RedisServer } from '../support/redis-server.ts';

const DAY = '2026-03-20';
/** The writer's clock: noon in Paris on DAY (events of DAY are not late). */
const NOW = Date.parse(`${DAY}T11:00:00Z`);
const KEPT_SECONDS = ACTIVE_KEPT_DAYS * 86_400;
const keyNames = createKeyNames('hc:');
const k = pilotKeys(keyNames);

/** A key sign-in as the gateway records it: 8 counters (sign-in, method, group, level, phishing-resistant, client, profession, duration). */
function signIn(actor: string, time = `${DAY}T09:00:00Z`): AuditEvent {
  return {
    type: 'signin.succeeded',
    outcome: 'success',
    actor,
    profession: '10',
    clientId: 'dpi',
    details: { method: 'webauthn-device', acr: 'eidas2', phishingResistant: true, durationMs: 1200 },
    seq: 1,
    time,
    instance: 't',
    prev: '',
    mac: '',
  };
}

let server: RedisServer;
let admin: Redis;
let store: Store;
beforeAll(async () => {
  server = await createRedisServer();
  admin = new Redis(server.url);
  store = createRedisStore(new Redis(server.url));
  // Loads the batch script (the first EVALSHA of a fresh server is NOSCRIPT, then EVAL); a batch of one command is sent without it.
  await store.batch().set('hc:warm-up', '1', 60).set('hc:warm-up', '2', 60).exec();
});
afterAll(async () => {
  await store?.close();
  admin?.disconnect();
  await server?.dispose();
});

/** Commands by name that `work` made Redis run (INFO commandstats, reset first). */
async function commandsOf(work: () => Promise<unknown>): Promise<Record<string, number>> {
  await admin.config('RESETSTAT');
  await work();
  const stats = (await admin.info('commandstats')) as string;
  const counts: Record<string, number> = {};
  for (const [, name, calls] of stats.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    if (!/^(config|info)/.test(name!)) counts[name!] = Number(calls);
  }
  return counts;
}

const near = (ttl: number) => ttl > KEPT_SECONDS - 60 && ttl <= KEPT_SECONDS;

describe('pilot aggregates: Redis commands per event', () => {
  it('a sign-in writes its day only: 3 HINCRBY and one SADD, its EXPIRE only for the first sign-in of the clinician that day', async () => {
    const aggregates = createPilotAggregates(store, keyNames, { now: () => NOW });
    // The first event of the day in this process also lists the day (ZADD, once per process and day).
    assert.deepEqual(await commandsOf(() => aggregates.apply(signIn('810100000001'))), { evalsha: 1, hincrby: 3, sadd: 1, expire: 1, zadd: 1 });
    assert.ok(near(await admin.ttl(k.active(DAY))));
    assert.deepEqual(await commandsOf(() => aggregates.apply(signIn('810100000001'))), { evalsha: 1, hincrby: 3, sadd: 1 }, 'signed in again: no EXPIRE');
    assert.deepEqual(await commandsOf(() => aggregates.apply(signIn('810100000002'))), { evalsha: 1, hincrby: 3, sadd: 1, expire: 1 }, 'another clinician');
    assert.equal(await admin.hget(k.day(DAY), 'signin'), '3');
    const fields = await admin.hgetall(k.day(DAY));
    assert.deepEqual(Object.keys(fields).sort(), [
      '&duration.webauthn-device:1200|signin.acr:eidas2|signin.client:dpi|signin.method:webauthn-device|signin.phr|signin.profession:10',
      'signin',
      'signin.group:hardware-key',
    ]);
    assert.equal(await admin.scard(k.active(DAY)), 2);
    assert.deepEqual(
      await admin.exists(k.month('2026-03'), k.activeInMonth('2026-03'), k.activeInWeek('2026-W12'), k.late),
      0,
      'no month, week or late key is written',
    );
  });

  it('the day set keeps its TTL when another instance created it, and gets it again when Redis lost it', async () => {
    const day = '2026-03-21';
    const now = () => Date.parse(`${day}T11:00:00Z`);
    const first = createPilotAggregates(store, keyNames, { now });
    const second = createPilotAggregates(store, keyNames, { now });
    await first.apply(signIn('810100000001', `${day}T08:00:00Z`));
    await admin.expire(k.active(day), 1000); // a TTL of its own, to see whether a write moves it
    // Another instance (its first write of this set) adds no one new: no EXPIRE, the TTL stands.
    assert.deepEqual(await commandsOf(() => second.apply(signIn('810100000001', `${day}T09:00:00Z`))), { evalsha: 1, hincrby: 3, sadd: 1, zadd: 1 });
    assert.ok(Math.abs((await admin.ttl(k.active(day))) - 1000) <= 2);
    // Redis lost the set (a restart without AOF, a restore, an operator): the next write creates it again, with its TTL.
    await admin.del(k.active(day));
    assert.deepEqual(await commandsOf(() => first.apply(signIn('810100000001', `${day}T10:00:00Z`))), { evalsha: 1, hincrby: 3, sadd: 1, expire: 1 });
    assert.ok(near(await admin.ttl(k.active(day))), 'the set created again has its TTL');
    assert.equal(await admin.scard(k.active(day)), 1);
  });

  it('an event of an earlier day bumps its month and week generations in the same write (2 HINCRBY)', async () => {
    const aggregates = createPilotAggregates(store, keyNames, { now: () => Date.parse('2026-03-25T11:00:00Z') });
    assert.deepEqual(await commandsOf(() => aggregates.apply(signIn('810100000003', '2026-03-22T09:00:00Z'))), {
      evalsha: 1,
      hincrby: 5,
      sadd: 1,
      expire: 1,
      zadd: 1,
    });
    assert.deepEqual(await admin.hgetall(k.late), { 'month:2026-03': '1', 'week:2026-W12': '1' });
  });

  it('with writeMonthKeys, a sign-in writes its day counters by name and also the legacy month hash and week and month sets, as the releases before did', async () => {
    const day = '2026-03-23';
    const aggregates = createPilotAggregates(store, keyNames, { now: () => Date.parse(`${day}T11:00:00Z`), writeMonthKeys: true });
    assert.deepEqual(await commandsOf(() => aggregates.apply(signIn('810100000004', `${day}T08:00:00Z`))), {
      evalsha: 1,
      hincrby: 16,
      sadd: 3,
      expire: 3,
      zadd: 1,
    });
    assert.deepEqual(await commandsOf(() => aggregates.apply(signIn('810100000004', `${day}T09:00:00Z`))), { evalsha: 1, hincrby: 16, sadd: 3 });
    for (const key of [k.active(day), k.activeInWeek('2026-W13'), k.activeInMonth('2026-03')]) assert.ok(near(await admin.ttl(key)), key);
    assert.equal(await admin.hget(k.month('2026-03'), 'signin'), '2', 'the month hash holds only the sign-ins written with writeMonthKeys');
    assert.deepEqual(
      Object.keys(await admin.hgetall(k.day(day))).filter((f) => f.startsWith('&')),
      [],
      'no combined field: the earlier releases read counters by name',
    );
  });
});
