/**
 * The Redis connection: settings are validated with clear messages, logs never carry the
 * password, requests fail fast when Redis is unreachable, a replica's READONLY makes it
 * reconnect (said once), createBackend picks the backend.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { test } from 'vitest';
import { pino } from 'pino';
import { createBackend } from '../../src/store/create-store.ts';
import { createRedisConnection, retryDelay, type StoreLogger } from '../../src/store/redis-connection.ts';
import { parseHostList, redactUrl, urlCredentials } from '../../src/store/redis-target.ts';
import { TEST_REDIS_URL } from '../support/redis.ts';
import { Redis } from 'ioredis';
import { isStoreUnavailable } from '../../src/store/unavailable.ts';
import { createRedisServer } from '../support/redis-server.ts';
import { freePort } from '../support/ports.ts';

function capture(): { logger: StoreLogger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

test('redactUrl drops the password and keeps the rest', () => {
  assert.equal(redactUrl('rediss://app:s3cr%40t@redis.example:6380/2'), 'rediss://app@redis.example:6380/2');
  assert.equal(redactUrl('redis://:only-pass@127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  assert.equal(redactUrl('not a url'), '(unparsable redis url)');
});

test('urlCredentials decodes user and password and detects TLS', () => {
  assert.deepEqual(urlCredentials('rediss://app:s3cr%40t@h:1'), { username: 'app', password: 's3cr@t', tls: true });
  assert.deepEqual(urlCredentials('redis://h:1'), { tls: false });
  assert.throws(() => urlCredentials('http://h:1'), /expected the redis: or rediss: scheme, got "http:"/);
});

test('parseHostList reads host:port lists and names the setting on errors', () => {
  assert.deepEqual(parseHostList('a:1, b:26379', 'x'), [
    { host: 'a', port: 1 },
    { host: 'b', port: 26379 },
  ]);
  assert.throws(() => parseHostList('a:1,b', 'redis sentinels'), /redis sentinels: expected host:port.*got "b"/);
  assert.throws(() => parseHostList('a:99999', 'x'), /got "a:99999"/);
});

test('inconsistent settings are refused before connecting', () => {
  assert.throws(() => createRedisConnection({ sentinels: 'a:26379' }), /expected sentinelName \(REDIS_SENTINEL_NAME\)/);
  assert.throws(() => createRedisConnection({ sentinels: 'a:1', sentinelName: 'm', clusterNodes: 'b:2' }), /got both/);
  assert.throws(() => createRedisConnection({}), /expected url, sentinels or clusterNodes/);
  assert.throws(() => createRedisConnection({ url: 'http://h' }), /redis: or rediss:/);
});

test('retry delays grow and are capped at 1 s, never giving up', () => {
  assert.equal(retryDelay(1), 100);
  assert.equal(retryDelay(5), 500);
  assert.equal(retryDelay(1000), 1000);
});

test('connects, logs "ready", and never logs the password', async () => {
  const { logger, lines } = capture();
  const url = new URL(TEST_REDIS_URL);
  url.username = 'default';
  url.password = 'never-log-me';
  // The test server may have no password: AUTH then fails or is ignored; either way the logs
  // must not contain it.
  const redis = createRedisConnection({ url: url.toString() }, logger);
  await Promise.race([once(redis, 'ready'), once(redis, 'error')]);
  redis.disconnect();
  assert.ok(lines.length > 0, 'connection events are logged');
  assert.ok(!lines.join('').includes('never-log-me'), `password leaked in: ${lines.join('')}`);
  const plain = createRedisConnection({ url: TEST_REDIS_URL }, logger);
  await once(plain, 'ready');
  assert.ok(lines.some((line) => line.includes('redis ready')));
  await plain.quit();
});

test('requests fail fast while Redis is unreachable instead of hanging', async () => {
  const { logger, lines } = capture();
  const redis = createRedisConnection({ url: 'redis://127.0.0.1:1' }, logger);
  const started = Date.now();
  await assert.rejects(redis.get('anything'), /max retries|ECONNREFUSED|reached/i);
  assert.ok(Date.now() - started < 3000, `expected a fast failure, took ${Date.now() - started} ms`);
  redis.disconnect();
  const errors = lines.filter((line) => line.includes('redis error'));
  assert.equal(errors.length, 1, 'the same connection error is logged once per outage');
});

test('createBackend: memory without settings, Redis with a url', async () => {
  const { store: memory } = createBackend({});
  assert.equal(memory.kind, 'memory');
  await memory.close();
  const { store: redis } = createBackend({ url: TEST_REDIS_URL });
  assert.equal(redis.kind, 'redis');
  await redis.ping();
  await redis.close();
});

test('a replica answering READONLY: the write fails as an outage, one warning names it, the client reconnects', async () => {
  const server = await createRedisServer();
  const admin = new Redis(server.url);
  const { logger, lines } = capture();
  const redis = createRedisConnection({ url: server.url }, logger);
  try {
    await once(redis, 'ready');
    await admin.replicaof('127.0.0.1', await freePort()); // a master nobody listens on
    for (let i = 0; i < 3; i += 1) {
      const err = await redis.set('k', 'v').then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isStoreUnavailable(err), `write ${i}: ${String(err)}`);
      await once(redis, 'ready');
    }
    const warnings = lines.filter((line) => line.includes('READONLY'));
    assert.equal(warnings.length, 1, `one warning: ${warnings.join('')}`);
    assert.match(warnings[0]!, /reconnecting to reach the master/);
  } finally {
    redis.disconnect();
    admin.disconnect();
    await server.dispose();
  }
});
