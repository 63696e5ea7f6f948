/**
 * The AuditLog contract, run against the memory log and the Redis stream (real Redis, own
 * prefix): appends chain, reads filter, concurrent appends in one process, trimming keeps
 * the rest verifiable, the MAC key never reaches Redis.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createMemoryAuditLog, isAuthenticTrimPoint, verifyChain, verifyLog, type AuditLog } from '../../src/audit/index.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { KEY, body, redisLog, type RedisLogFixture } from './helpers.ts';

async function all(log: AuditLog): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for await (const event of log.entries({ pageSize: 7 })) events.push(event);
  return events;
}

function contract(name: string, open: () => Promise<{ log: AuditLog; close(): Promise<void> }>) {
  describe(`${name} audit log`, () => {
    let fixture: { log: AuditLog; close(): Promise<void> };
    let log: AuditLog;
    beforeAll(async () => {
      fixture = await open();
      log = fixture.log;
    });
    afterAll(() => fixture.close());

    it('starts empty', async () => {
      assert.equal(await log.head(), undefined);
      assert.equal(await log.trimPoint(), undefined);
      assert.deepEqual(await log.range(), []);
      assert.deepEqual(await all(log), []);
    });

    it('appends: seq from 1, prev = previous MAC, head follows; the stored event equals the returned one', async () => {
      const first = await log.append(body(0));
      assert.equal(first.seq, 1);
      assert.equal(first.prev, '');
      const second = await log.append(body(1));
      assert.equal(second.seq, 2);
      assert.equal(second.prev, first.mac);
      assert.deepEqual(await log.head(), { seq: 2, mac: second.mac });
      assert.deepEqual(await all(log), [first, second]);
    });

    it('keeps only JSON: undefined members dropped, chain fields given by the caller ignored', async () => {
      const sneaky = { ...body(2), seq: 999, prev: 'forged', mac: 'forged', reason: undefined } as unknown as Parameters<AuditLog['append']>[0];
      const event = await log.append(sneaky);
      assert.equal(event.seq, 3);
      assert.equal('reason' in event, false);
      assert.equal(verifyChain(await all(log), KEY).ok, true);
    });

    it('refuses a body without time, instance, type or outcome', async () => {
      await assert.rejects(log.append({ ...body(3), time: 'yesterday' }), /expected time as an ISO 8601 date, got "yesterday"/);
      await assert.rejects(log.append({ ...body(3), instance: '' }), /expected a non-empty string instance/);
      assert.equal((await log.head())?.seq, 3, 'nothing was appended');
    });

    it('chains concurrent appends from one process without gap or duplicate', async () => {
      const events = await Promise.all(Array.from({ length: 450 }, (_, i) => log.append(body(10 + i))));
      const seqs = events.map((e) => e.seq).sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        Array.from({ length: 450 }, (_, i) => 4 + i),
      );
      const stored = await all(log);
      assert.equal(stored.length, 453);
      assert.deepEqual(verifyChain(stored, KEY, { expectedHead: (await log.head())! }), { ok: true, count: 453, firstSeq: 1, lastSeq: 453 });
    });

    it('reads by seq, by time (from inclusive, to exclusive), with a limit, newest first', async () => {
      const stored = await all(log);
      assert.deepEqual(
        (await log.range({ fromSeq: 450 })).map((e) => e.seq),
        [450, 451, 452, 453],
      );
      assert.deepEqual(
        (await log.range({ fromSeq: 5, limit: 3 })).map((e) => e.seq),
        [5, 6, 7],
      );
      assert.deepEqual(
        (await log.range({ fromSeq: 8, limit: 2 })).map((e) => e.seq),
        [8, 9],
        'the next page',
      );
      assert.deepEqual(
        (await log.range({ order: 'newest-first', limit: 3 })).map((e) => e.seq),
        [453, 452, 451],
      );
      assert.deepEqual(
        (await log.range({ order: 'newest-first', fromSeq: 452 })).map((e) => e.seq),
        [453, 452],
      );
      const from = stored[10]!.time;
      const to = stored[20]!.time;
      const inRange = await log.range({ fromTime: from, toTime: to });
      assert.deepEqual(
        inRange.map((e) => e.seq),
        stored.slice(10, 20).map((e) => e.seq),
      );
      assert.deepEqual(
        (await log.range({ fromTime: from, toTime: to, fromSeq: 15, limit: 2 })).map((e) => e.seq),
        [15, 16],
      );
      await assert.rejects(log.range({ fromTime: 'last week' }), /expected fromTime as an ISO 8601 date, got "last week"/);
    });

    it('trims the prefix older than a time, records an authentic trim point, and the rest still verifies', async () => {
      const stored = await all(log);
      const cutoff = stored[100]!.time; // events 1..100 are older
      assert.equal(await log.trimBefore(cutoff, { upToSeq: 60 }), 60, 'never beyond upToSeq');
      assert.equal(await log.trimBefore(cutoff), 40);
      const point = (await log.trimPoint())!;
      assert.deepEqual([point.seq, point.prev], [101, stored[99]!.mac]);
      assert.equal(isAuthenticTrimPoint(KEY, point), true);
      const kept = await all(log);
      assert.equal(kept[0]!.seq, 101);
      assert.deepEqual(verifyChain(kept, KEY, { expectedFirstSeq: point.seq, expectedFirstPrev: point.prev }).ok, true);
      assert.deepEqual(await verifyLog(log, KEY, { pageSize: 50 }).then((r) => [r.ok, r.ok && r.count]), [true, 353]);
      assert.equal(await log.trimBefore(cutoff), 0, 'nothing older left');
    });

    it('trims everything and goes on from the trim point', async () => {
      const last = (await log.head())!;
      assert.equal(await log.trimBefore('2999-01-01T00:00:00.000Z'), 353);
      const point = (await log.trimPoint())!;
      assert.deepEqual([point.seq, point.prev], [last.seq + 1, last.mac]);
      assert.deepEqual(await all(log), []);
      assert.equal((await verifyLog(log, KEY)).ok, true);
      const next = await log.append(body(1000));
      assert.deepEqual([next.seq, next.prev], [last.seq + 1, last.mac]);
      const result = await verifyLog(log, KEY);
      assert.deepEqual([result.ok, result.ok && result.firstSeq], [true, last.seq + 1]);
    });

    it('refuses appends once closed, after finishing the queued ones', async () => {
      const pending = log.append(body(2000));
      await log.close();
      assert.ok((await pending).seq > 0);
      await assert.rejects(log.append(body(2001)), /the log is closed/);
    });
  });
}

contract('memory', async () => {
  const log = createMemoryAuditLog(KEY);
  return { log, close: async () => {} };
});

let redisFixture: RedisLogFixture;
contract('Redis', async () => {
  redisFixture = await redisLog('audit-log');
  return redisFixture;
});

describe('Redis audit log storage', () => {
  let fixture: RedisLogFixture;
  beforeAll(async () => {
    fixture = await redisLog('audit-storage');
  });
  afterAll(() => fixture.close());

  it('keeps everything under one hash tag, in a stream, and never stores the MAC key', async () => {
    await fixture.log.append(body(0));
    await fixture.log.trimBefore('2999-01-01T00:00:00.000Z');
    await fixture.log.append(body(1));
    const keys = (await fixture.redis.keys(`${fixture.prefix}*`)).sort();
    const chainKeys = keys.filter((k) => !k.startsWith(`${fixture.prefix}{audit}:ix:`));
    assert.deepEqual(chainKeys, [fixture.headKey, fixture.streamKey, fixture.trimKey].sort());
    assert.ok(
      keys.every((k) => k.startsWith(`${fixture.prefix}{audit}:`)),
      "the search index shares the stream's hash tag",
    );
    assert.ok(keys.includes(`${fixture.prefix}{audit}:ix:1:type:2025-03:psc.verified`), 'the kept event is indexed');
    assert.equal(
      keys.some((k) => k.endsWith(':signin.started')),
      false,
      "the trimmed event's index keys went with it",
    );
    assert.equal(await fixture.redis.type(fixture.streamKey), 'stream');
    const entries = await fixture.redis.xrange(fixture.streamKey, '-', '+');
    assert.equal(entries.length, 1);
    assert.equal(entries[0]![1][0], 'e');
    const dump = JSON.stringify([entries, await fixture.redis.get(fixture.headKey), await fixture.redis.get(fixture.trimKey)]);
    assert.equal(dump.includes(KEY), false);
  });

  it('refuses to append to a key that is not a stream, and moves no head', async () => {
    const other = await redisLog('audit-wrongtype');
    try {
      await other.redis.set(other.streamKey, 'not a stream');
      await assert.rejects(other.log.append(body(0)), /expected .*\{audit\}:stream to be a stream, got a string/);
      assert.equal(await other.redis.get(other.headKey), null);
    } finally {
      await other.close();
    }
  });

  it('appends after a head without the last id (as a version before wrote it), and after an entry added later by other means', async () => {
    const other = await redisLog('audit-old-head');
    try {
      const first = await other.log.append(body(0));
      // An instance of the previous version rewrites the head as {seq, mac} (no ms), and the
      // next entry's id must still follow the stream's top, read from the stream.
      await other.redis.set(other.headKey, JSON.stringify({ seq: first.seq, mac: first.mac }));
      const top = await other.redis.xadd(other.streamKey, `${Date.now() + 60_000}-0`, 'e', 'not json');
      const second = await other.log.append(body(1));
      const third = await other.log.append(body(2));
      assert.deepEqual([second.seq, third.seq], [2, 3]);
      const ids = ((await other.redis.xrange(other.streamKey, '-', '+')) as Array<[string, string[]]>).map(([id]) => id);
      assert.equal(ids.length, 4);
      assert.ok(
        ids.slice(2).every((id) => Number(id.split('-')[0]) >= Number(top!.split('-')[0])),
        `ids after the stream's top ${top}: ${ids.join(', ')}`,
      );
      assert.match((await other.redis.get(other.headKey)) ?? '', /"ms":\d+\}$/, 'the head keeps the last id');
    } finally {
      await other.close();
    }
  });

  it('reports an unreadable entry with its position and stream id', async () => {
    const other = await redisLog('audit-garbage');
    try {
      await other.log.append(body(0));
      const id = await other.redis.xadd(other.streamKey, '*', 'e', 'not json');
      await other.log.append(body(1));
      await assert.rejects(
        async () => {
          for await (const _ of other.log.entries()) {
            /* read all */
          }
        },
        (err: Error) => err.name === 'AuditLogFormatError' && err.message.includes(`entry 2 (stream id ${id})`),
      );
      assert.deepEqual(
        (await other.log.range()).map((e) => e.seq),
        [1, 2],
        'range skips it',
      );
      const result = await verifyLog(other.log, KEY);
      assert.deepEqual(result.ok ? [] : [result.position, result.problem], [2, 'malformed']);
    } finally {
      await other.close();
    }
  });
});
