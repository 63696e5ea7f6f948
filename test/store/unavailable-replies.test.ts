/**
 * Every reply of a Redis that is up but cannot take a command now is "store unavailable"
 * (503 / temporarily_unavailable), through the store as the gateway uses it — plain commands
 * and batches (whose script reports each command's error) alike — and the log line names the
 * reply. Real replies from a private redis-server where the fault is cheap to make; LOADING
 * (a big dataset being loaded) and TRYAGAIN (a multi-key command during a resharding) are the
 * reply texts Redis 7 sends, built by hand.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { Redis, ReplyError } from 'ioredis';
import {
  createRedisConnection,
  createRedisStore,
  isStoreUnavailable,
  outageCause,
  withUnavailableErrors,
  StoreUnavailableError,
  BatchError,
  type Store,
} from '../../src/store/index.ts';
import { createRedisServer, type RedisServer } from '../support/redis-server.ts';
import { freePort } from '../support/ports.ts';

let redis: RedisServer;
let admin: Redis;
let store: Store;
beforeAll(async () => {
  redis = await createRedisServer({ faults: true });
  admin = new Redis(redis.url);
  store = withUnavailableErrors(createRedisStore(createRedisConnection({ url: redis.url })));
  await store.set('hc:t:kept', 'yes');
});
afterAll(async () => {
  await store?.close();
  admin?.disconnect();
  await redis?.dispose();
});

/** What a write, a batch and a read through the store do while `fault` lasts. */
async function underFault(start: () => Promise<unknown>, end: () => Promise<unknown>) {
  await start();
  try {
    const write = await store.set('hc:t:x', '1').then(
      () => undefined,
      (err: unknown) => err,
    );
    const batch = await store
      .batch()
      .set('hc:t:y', '1')
      .hsetAll('hc:t:h', { a: '1' })
      .exec()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    const read = await store.get('hc:t:kept').then(
      (value) => value,
      (err: unknown) => err,
    );
    return { write, batch, read };
  } finally {
    await end();
  }
}

function assertOutage(err: unknown, reply: RegExp, what: string) {
  assert.ok(err instanceof StoreUnavailableError, `${what}: expected StoreUnavailableError, got ${String(err)}`);
  assert.match(outageCause(err), reply, `${what}: the log names the reply`);
}

describe('replies of a Redis that cannot take a command now', () => {
  it('OOM (maxmemory under noeviction): writes and batches refused as an outage, reads served', async () => {
    const { write, batch, read } = await underFault(
      () => admin.config('SET', 'maxmemory-policy', 'noeviction', 'maxmemory', '1'),
      () => admin.config('SET', 'maxmemory', '0'),
    );
    assertOutage(write, /^OOM command not allowed/, 'SET');
    assertOutage(batch, /^OOM command not allowed/, 'batch');
    assert.ok((batch as StoreUnavailableError).cause instanceof BatchError, 'the batch error is kept as the cause');
    assert.equal(read, 'yes');
  });

  it('NOREPLICAS (min-replicas-to-write without replicas): writes refused, reads served', async () => {
    const { write, batch, read } = await underFault(
      () => admin.config('SET', 'min-replicas-to-write', '1'),
      () => admin.config('SET', 'min-replicas-to-write', '0'),
    );
    assertOutage(write, /^NOREPLICAS/, 'SET');
    assertOutage(batch, /^NOREPLICAS/, 'batch');
    assert.equal(read, 'yes');
  });

  it('MASTERDOWN (a replica whose master is gone, not serving stale data): everything refused', async () => {
    const { write, read } = await underFault(
      async () => {
        await admin.config('SET', 'replica-serve-stale-data', 'no');
        await admin.replicaof('127.0.0.1', await freePort());
      },
      async () => {
        await admin.replicaof('NO', 'ONE');
        await admin.config('SET', 'replica-serve-stale-data', 'yes');
      },
    );
    assert.ok(isStoreUnavailable(write), String(write));
    assertOutage(read, /^MASTERDOWN|Stream isn't writeable|Connection is closed/, 'GET');
  });

  it('CLUSTERDOWN (a cluster node whose slots nobody serves)', async () => {
    const node = await createRedisServer({ args: ['--cluster-enabled', 'yes'] });
    const client = new Redis(node.url, { maxRetriesPerRequest: 0 });
    try {
      const err = await client.get('k').then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.match(String((err as Error).message), /^CLUSTERDOWN/);
      assert.equal(isStoreUnavailable(err), true);
    } finally {
      client.disconnect();
      await node.dispose();
    }
  });

  it('LOADING and TRYAGAIN (the texts Redis 7 sends), MISCONF, READONLY, BUSY, and not WRONGTYPE', () => {
    for (const text of [
      'LOADING Redis is loading the dataset in memory',
      'TRYAGAIN Multiple keys request during rehashing of slot',
      'MISCONF Errors writing to the AOF file: No space left on device',
      "READONLY You can't write against a read only replica.",
      'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
      'ERR max number of clients reached',
      'MOVED 4485 127.0.0.1:34231', // a Cluster failover under load: an auto-pipelined EVALSHA answered 500 before
      'ASK 4485 127.0.0.1:34231',
    ]) {
      assert.equal(isStoreUnavailable(new ReplyError(text)), true, text);
      assert.equal(outageCause(new StoreUnavailableError(new ReplyError(text))), text);
    }
    // ioredis' own, for commands of a pipeline or MULTI in flight when the connection closed (a
    // master killed under load: seen as 500s in the Sentinel failover test).
    const aborted = Object.assign(new Error('Command aborted due to connection close'), { name: 'AbortError' });
    assert.equal(isStoreUnavailable(aborted), true, aborted.message);
    assert.equal(isStoreUnavailable(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value')), false);
    assert.equal(
      isStoreUnavailable(new BatchError([{ command: 'SADD', key: 'k', message: 'WRONGTYPE Operation against a key holding the wrong kind of value' }], 2)),
      false,
      'a batch that failed for its own reasons is a server error',
    );
  });
});
