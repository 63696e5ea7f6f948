/**
 * The audit logs' search, run against the memory log, a Redis and (TEST_REDIS_CLUSTER_NODES) a
 * Redis Cluster: every combination of criteria and period gives exactly the events a full
 * scan finds, in trail order, whatever the months and however late an event was recorded;
 * cursors and the snapshot keep pages stable; retention leaves no trimmed event behind.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Cluster, Redis } from 'ioredis';
import { createMemoryAuditLog, createRedisAuditLog, matchesQuery, type AuditEventBody, type AuditLog, type AuditQuery } from '../../src/audit/index.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createRedisConnection } from '../../src/store/redis-connection.ts';
import { mulberry32 } from '../../src/pilot/prng.ts';
import { TEST_REDIS_URL, deletePrefix, uniquePrefix } from '../support/redis.ts';
import { TEST_REDIS_CLUSTER_NODES, deleteClusterPrefix } from '../store/cluster-support.ts';
import { KEY } from './helpers.ts';

const ACTORS = ['810100000001', '810100000002', '810100000003', '810100000004'];
const TYPES = ['signin.succeeded', 'signin.failed', 'token.issued', 'key.revoked'] as const;
const CLIENTS = ['demo-dpi', 'demo-dmp', 'odd client/ü:{x}'];
const START = Date.parse('2025-01-20T00:00:00.000Z');
const DAY = 86_400_000;

/** 1,200 events over about three months (January to April), `lateShare` of them recorded late (an older time than the one before). */
function bodies(lateShare: number, count = 1200, seed = 7): AuditEventBody[] {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const late = random() < lateShare;
    const time = START + i * 2 * 3_600_000 - (late ? Math.floor(random() * 40) * DAY : 0);
    const type = pick(TYPES);
    return {
      type,
      outcome: type === 'signin.failed' ? 'failure' : 'success',
      time: new Date(time).toISOString(),
      instance: 'search-test',
      ...(random() < 0.9 ? { actor: pick(ACTORS) } : {}),
      ...(random() < 0.8 ? { clientId: pick(CLIENTS) } : {}),
      details: { i },
    };
  });
}

async function everything(log: AuditLog): Promise<AuditEvent[]> {
  const all: AuditEvent[] = [];
  for await (const event of log.entries()) all.push(event);
  return all;
}

function queries(): AuditQuery[] {
  const jan = Date.parse('2025-01-25T00:00:00.000Z');
  const mar = Date.parse('2025-03-03T12:00:00.000Z');
  const list: AuditQuery[] = [{}, { fromMs: jan, toMs: mar }, { fromMs: mar }, { toMs: jan }];
  for (const actor of [undefined, ACTORS[1]]) {
    for (const type of [undefined, 'signin.failed', 'key.revoked']) {
      for (const clientId of [undefined, CLIENTS[2]]) {
        for (const outcome of [undefined, 'success']) {
          for (const period of [{}, { fromMs: jan, toMs: mar }]) list.push({ actor, type, clientId, outcome, ...period });
        }
      }
    }
  }
  list.push({ actor: 'nobody' }, { type: 'psc.verified' }, { fromMs: Date.parse('2030-01-01') }, { fromMs: mar, toMs: mar });
  return list;
}

type Client = Redis | Cluster;

function contract(name: string, lateShare: number, open: () => Promise<{ log: AuditLog; client?: Client; prefix?: string; close(): Promise<void> }>) {
  describe(`${name}: audit search, ${lateShare ? 'some events recorded late' : 'events in time order'}`, () => {
    let fixture: Awaited<ReturnType<typeof open>>;
    let log: AuditLog;
    let stored: AuditEvent[];
    beforeAll(async () => {
      fixture = await open();
      log = fixture.log;
      assert.deepEqual(await log.search({ actor: ACTORS[0] }), { total: 0, events: [], newer: 0, older: 0, upto: undefined });
      const all = bodies(lateShare);
      for (let i = 0; i < all.length; i += 150) await Promise.all(all.slice(i, i + 150).map((b) => log.append(b)));
      stored = await everything(log);
    });
    afterAll(() => fixture.close());

    it('finds exactly what a full scan finds, for every combination of criteria and period', async () => {
      for (const query of queries()) {
        const expected = stored.filter((e) => matchesQuery(e, query)).map((e) => e.seq);
        const result = await log.search(query, { limit: 1000 });
        assert.equal(result.total, expected.length, JSON.stringify(query));
        assert.deepEqual(
          result.events.map((e) => e.event.seq),
          expected.slice(-1000).reverse(),
          `${JSON.stringify(query)}: newest first`,
        );
        assert.equal(result.incomplete, undefined);
        const every = await log.searchAll(query);
        const exported: number[] = [];
        for await (const event of every.events(64)) exported.push(event.seq);
        assert.deepEqual(exported, expected, `${JSON.stringify(query)}: searchAll oldest first`);
      }
    });

    it('walks every page of a result with the cursors, in both directions, across months', async () => {
      for (const query of queries().slice(0, 16)) {
        const expected = stored
          .filter((e) => matchesQuery(e, query))
          .map((e) => e.seq)
          .reverse();
        const older: number[] = [];
        let page = await log.search(query, { limit: 97 });
        const pages = [page];
        older.push(...page.events.map((e) => e.event.seq));
        while (page.older > 0) {
          page = await log.search(query, { limit: 97, before: page.events.at(-1)!.position, upto: pages[0]!.upto });
          pages.push(page);
          older.push(...page.events.map((e) => e.event.seq));
        }
        assert.deepEqual(older, expected, `${JSON.stringify(query)}: older pages`);
        const newer: number[] = [];
        while (page.newer > 0) {
          page = await log.search(query, { limit: 97, after: page.events[0]!.position, upto: pages[0]!.upto });
          newer.unshift(...page.events.map((e) => e.event.seq));
          assert.equal(page.total, expected.length);
        }
        assert.deepEqual(
          [...newer, ...pages.at(-1)!.events.map((e) => e.event.seq)],
          expected.slice(0, newer.length + pages.at(-1)!.events.length),
          `${JSON.stringify(query)}: newer pages`,
        );
      }
    });

    it('pages by cursor: older, newer, and the snapshot leaves later events out', async () => {
      const query = { actor: ACTORS[2] };
      const expected = stored
        .filter((e) => matchesQuery(e, query))
        .map((e) => e.seq)
        .reverse();
      const first = await log.search(query, { limit: 25 });
      assert.deepEqual([first.total, first.newer, first.older], [expected.length, 0, expected.length - 25]);
      await log.append({ type: 'signin.succeeded', outcome: 'success', time: new Date().toISOString(), instance: 'search-test', actor: ACTORS[2] });
      const second = await log.search(query, { limit: 25, before: first.events.at(-1)!.position, upto: first.upto });
      assert.equal(second.total, expected.length, 'the snapshot keeps the count');
      assert.deepEqual(
        [...first.events, ...second.events].map((e) => e.event.seq),
        expected.slice(0, 50),
      );
      assert.deepEqual([second.newer, second.older], [25, expected.length - 50]);
      const back = await log.search(query, { limit: 25, after: second.events[0]!.position, upto: first.upto });
      assert.deepEqual(
        back.events.map((e) => e.event.seq),
        expected.slice(0, 25),
      );
      const now = await log.search(query, { limit: 25 });
      assert.equal(now.total, expected.length + 1, 'a new search sees the new event');
      await assert.rejects(log.search(query, { before: 'yesterday' }), /expected a stream id "ms-n"/);
    });

    it('after retention, trimmed events are not found and the rest still is', async () => {
      const cutoff = stored[400]!.time;
      const removed = await log.trimBefore(cutoff);
      assert.ok(removed > 0);
      const kept = await everything(log);
      for (const query of [{}, { actor: ACTORS[0] }, { type: 'key.revoked', toMs: Date.parse('2025-03-01') }]) {
        const expected = kept.filter((e) => matchesQuery(e, query)).length;
        assert.equal((await log.search(query)).total, expected, JSON.stringify(query));
      }
    });
  });
}

for (const lateShare of [0, 0.05]) {
  contract('memory', lateShare, async () => ({ log: createMemoryAuditLog(KEY), close: async () => {} }));

  contract('Redis', lateShare, async () => {
    const prefix = uniquePrefix('audit-search');
    const client = createRedisConnection({ url: TEST_REDIS_URL });
    const log = createRedisAuditLog(client, createKeyNames(prefix), KEY);
    return {
      log,
      client,
      prefix,
      async close() {
        await log.close();
        client.disconnect();
        await deletePrefix(prefix);
      },
    };
  });

  if (TEST_REDIS_CLUSTER_NODES) {
    contract('Redis Cluster', lateShare, async () => {
      const prefix = uniquePrefix('audit-search-cluster');
      const client = createRedisConnection({ clusterNodes: TEST_REDIS_CLUSTER_NODES });
      const log = createRedisAuditLog(client, createKeyNames(prefix), KEY);
      return {
        log,
        client,
        prefix,
        async close() {
          await log.close();
          client.disconnect();
          await deleteClusterPrefix(prefix);
        },
      };
    });
  }
}
