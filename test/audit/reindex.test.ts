/**
 * Building the audit search index of a trail that has none, or holes (events written by an
 * instance of the previous version during a rolling upgrade), on Redis and (when
 * TEST_REDIS_CLUSTER_NODES is set) on a Redis Cluster: the search says it is incomplete until
 * then; the rebuild is idempotent, resumes after an interruption, runs while events are
 * appended, and a failed check starts a new generation and deletes the old one.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Cluster, Redis } from 'ioredis';
import {
  canonical,
  checkIndex,
  createRedisAuditLog,
  linkEvents,
  matchesQuery,
  reindexAuditTrail,
  type AuditLog,
  type AuditQuery,
} from '../../src/audit/index.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { createKeyNames, type KeyNames } from '../../src/store/key-names.ts';
import { createRedisConnection } from '../../src/store/redis-connection.ts';
import { TEST_REDIS_URL, deletePrefix, uniquePrefix } from '../support/redis.ts';
import { TEST_REDIS_CLUSTER_NODES, deleteClusterPrefix } from '../store/cluster-support.ts';
import { KEY, body } from './helpers.ts';

const QUERIES: AuditQuery[] = [
  {},
  { type: 'psc.verified' },
  { actor: '899700427885', type: 'token.issued' },
  { fromMs: Date.parse('2025-03-02T00:00:00Z'), toMs: Date.parse('2025-03-03T00:00:00Z') },
];

/** Every key of the search index under the prefix (one SCAN per master on a Cluster). */
async function indexKeys(client: Redis | Cluster, prefix: string): Promise<string[]> {
  const nodes = 'nodes' in client && typeof client.nodes === 'function' ? (client as Cluster).nodes('master') : [client as Redis];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}{audit}:ix:*`, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

/** Appends like the previous version did: the chain and the head, no index. */
async function appendUnindexed(client: Redis | Cluster, keyNames: KeyNames, count: number, from: number): Promise<void> {
  const headKey = keyNames.custom('audit', 'head');
  const head = JSON.parse((await client.get(headKey))!) as { seq: number; mac: string };
  const events = linkEvents(
    KEY,
    head,
    Array.from({ length: count }, (_, i) => body(from + i)),
  );
  for (const event of events) await client.xadd(keyNames.custom('audit', 'stream'), `${Date.now()}-*`, 'e', canonical(event));
  await client.set(headKey, JSON.stringify({ seq: events.at(-1)!.seq, mac: events.at(-1)!.mac }));
}

function reindexContract(name: string, connect: () => Client) {
  describe(`${name}: audit reindex`, () => {
    let client: Client;
    let prefix: string;
    let keyNames: KeyNames;
    let log: AuditLog;
    beforeAll(async () => {
      client = connect();
      prefix = uniquePrefix('audit-reindex');
      keyNames = createKeyNames(prefix);
      log = createRedisAuditLog(client, keyNames, KEY);
      for (let i = 0; i < 3000; i += 200) await Promise.all(Array.from({ length: 200 }, (_, j) => log.append(body(i + j))));
    });
    afterAll(async () => {
      await log.close();
      client.disconnect();
      await (name === 'Redis' ? deletePrefix(prefix) : deleteClusterPrefix(prefix));
    });

    async function assertSearchesMatchAScan(context: string) {
      const all: AuditEvent[] = [];
      for await (const event of log.entries()) all.push(event);
      for (const query of QUERIES) {
        const result = await log.search(query, { limit: 5 });
        assert.equal(result.incomplete, undefined, `${context}: complete`);
        const expected = all.filter((e) => matchesQuery(e, query)).map((e) => e.seq);
        assert.equal(result.total, expected.length, `${context}: ${JSON.stringify(query)}`);
        assert.deepEqual(
          result.events.map((e) => e.event.seq),
          expected.slice(-5).reverse(),
          `${context}: ${JSON.stringify(query)}`,
        );
      }
    }

    it('a trail recorded without the index: the search says so, the reindex builds it, a second run does nothing', async () => {
      await assertSearchesMatchAScan('indexed as written');
      const removed = await indexKeys(client, prefix);
      for (const key of removed) await client.unlink(key);
      const before = await log.search({ type: 'psc.verified' });
      assert.deepEqual([before.total, before.incomplete], [0, { indexedFrom: undefined }]);

      const progress: number[] = [];
      const result = await reindexAuditTrail(client, keyNames, {
        chunk: 700,
        onProgress: (n) => {
          progress.push(n);
        },
      });
      assert.deepEqual([result.indexed, result.aborted, result.rebuilt], [3000, false, undefined]);
      assert.deepEqual(progress, [700, 1400, 2100, 2800, 3000]);
      assert.deepEqual([result.check.ok, result.check.events, result.check.indexed], [true, 3000, 3000]);
      await assertSearchesMatchAScan('after the reindex');
      const again = await reindexAuditTrail(client, keyNames, { chunk: 700 });
      assert.deepEqual([again.indexed, again.check.ok, again.check.indexed], [0, true, 3000]);
    });

    it('resumes after an interruption, while events are appended, with nothing indexed twice', async () => {
      for (const key of await indexKeys(client, prefix)) await client.unlink(key);
      const stop = new AbortController();
      let appended = 0;
      const first = await reindexAuditTrail(client, keyNames, {
        chunk: 500,
        signal: stop.signal,
        onProgress: async (n) => {
          await Promise.all(Array.from({ length: 10 }, () => log.append(body(5000 + appended++))));
          if (n >= 1000) stop.abort();
        },
      });
      assert.equal(first.aborted, true);
      const partial = await log.search({});
      assert.ok(partial.incomplete?.indexedFrom, 'the part indexed so far is said');
      const second = await reindexAuditTrail(client, keyNames, { chunk: 500 });
      assert.equal(second.check.ok, true);
      assert.equal(second.check.events, 3000 + appended);
      assert.equal(first.indexed + second.indexed, 3000, 'each old event indexed once; the new ones by their append');
      await assertSearchesMatchAScan('resumed');
    });

    it('events written without the index after it started (rolling upgrade): the check fails, a new generation replaces the old one', async () => {
      await appendUnindexed(client, keyNames, 40, 9000);
      const check = await checkIndex(client, keyNames);
      assert.equal(check.ok, false);
      assert.equal(check.events - check.indexed, 40);
      const result = await reindexAuditTrail(client, keyNames, { chunk: 1000 });
      assert.deepEqual(result.rebuilt, { from: 1, to: 2, reason: 'check-failed' });
      assert.deepEqual([result.check.ok, result.check.generation, result.check.indexed], [true, 2, check.events]);
      assert.deepEqual(
        (await indexKeys(client, prefix)).filter((k) => k.includes('{audit}:ix:1:')),
        [],
        'generation 1 deleted',
      );
      await log.append(body(9100));
      await assertSearchesMatchAScan('generation 2');
      const asked = await reindexAuditTrail(client, keyNames, { rebuild: true });
      assert.deepEqual([asked.rebuilt?.reason, asked.check.generation, asked.check.ok], ['asked', 3, true]);
      await assertSearchesMatchAScan('generation 3');
    });
  });
}

type Client = Redis | Cluster;

reindexContract('Redis', () => createRedisConnection({ url: TEST_REDIS_URL }));
if (TEST_REDIS_CLUSTER_NODES) reindexContract('Redis Cluster', () => createRedisConnection({ clusterNodes: TEST_REDIS_CLUSTER_NODES }));
