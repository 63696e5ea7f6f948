/**
 * The bench counts, beside the Redis commands of a scenario, its round trips as Redis sees them:
 * the read events it processed (`INFO stats` total_reads_processed), one per write of a client's
 * commands that reaches it. Ten commands sent in one write are ten commands and one round trip;
 * ten sent each once the one before answered are ten of each. On a redis-server of its own,
 * with a client that sends what it is given at once (no auto-pipelining).
 */
import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { commandWindow } from '../../bench/redis-commands.ts';
import { createRedisServer, type RedisServer } from '../support/redis-server.ts';

let server: RedisServer;
let client: Redis;
let observer: Redis;

beforeAll(async () => {
  server = await createRedisServer();
  client = new Redis(server.url, { enableAutoPipelining: false });
  observer = new Redis(server.url, { enableAutoPipelining: false });
  await Promise.all([client.ping(), observer.ping()]);
});
afterAll(async () => {
  client?.disconnect();
  observer?.disconnect();
  await server?.dispose();
});

test('ten commands in one write: one round trip; ten one after the other: ten', async () => {
  const together = await commandWindow(observer);
  const pipeline = client.pipeline();
  for (let i = 0; i < 10; i++) pipeline.incr('k');
  await pipeline.exec();
  const one = await together.stop(1);
  assert.equal(one.perUnit, 10);
  assert.equal(one.roundTripsPerUnit, 1);

  const apart = await commandWindow(observer);
  for (let i = 0; i < 10; i++) await client.incr('k');
  const ten = await apart.stop(2);
  assert.equal(ten.perUnit, 5, 'per unit: 10 commands over 2 units');
  assert.equal(ten.roundTripsPerUnit, 5);
});

test('a window over several nodes (the masters of a Cluster) sums their round trips', async () => {
  const second = await createRedisServer();
  const [other, otherObserver] = [new Redis(second.url, { enableAutoPipelining: false }), new Redis(second.url, { enableAutoPipelining: false })];
  try {
    await Promise.all([other.ping(), otherObserver.ping()]);
    const window = await commandWindow([observer, otherObserver]);
    await client.set('a', '1');
    await other.set('b', '1');
    await other.get('b');
    const figures = await window.stop(1);
    assert.equal(figures.perUnit, 3);
    assert.equal(figures.roundTripsPerUnit, 3);
  } finally {
    other.disconnect();
    otherObserver.disconnect();
    await second.dispose();
  }
});
