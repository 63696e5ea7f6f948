import { afterAll, describe, it } from 'vitest';
import { Redis } from 'ioredis';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../../test/support/redis.ts';
import { createRedisServer } from '../../test/support/redis-server.ts';
import assert from 'node:assert/strict';
import { createLimiter, REFUSED_HERE_MAX } from './limiter.ts';

describe('limiter: refusedHere (no round trip)', () => {
  it('refuses a key from its first refused consume in this process until the window ends', async () => {
    const limiter = createLimiter('t', { points: 2, seconds: 1 }, { prefix: 'test:' });
    assert.deepEqual(limiter.refusedHere('203.0.113.7'), { allowed: true });
    await limiter.consume('203.0.113.7');
    await limiter.consume('203.0.113.7');
    assert.deepEqual(limiter.refusedHere('203.0.113.7'), { allowed: true }, 'the budget is spent, not exceeded: nothing refused yet');
    assert.equal((await limiter.consume('203.0.113.7')).allowed, false);
    const refused = limiter.refusedHere('203.0.113.7');
    assert.equal(refused.allowed, false);
    assert.ok(!refused.allowed && refused.retryAfterSeconds === 1, 'Retry-After: the rest of the 1-second window');
    assert.deepEqual(limiter.refusedHere('198.51.100.1'), { allowed: true }, 'another key is not refused');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.deepEqual(limiter.refusedHere('203.0.113.7'), { allowed: true }, 'the window is over');
  });

  it(`remembers at most ${REFUSED_HERE_MAX} keys, forgetting the oldest`, async () => {
    const limiter = createLimiter('t', { points: 1, seconds: 60 }, { prefix: 'test:' });
    for (let i = 0; i <= REFUSED_HERE_MAX; i += 1) {
      await limiter.consume(`k${i}`);
      await limiter.consume(`k${i}`);
    }
    assert.equal(limiter.refusedHere('k0').allowed, true, 'the oldest was forgotten');
    assert.equal(limiter.refusedHere('k1').allowed, false);
    assert.equal(limiter.refusedHere(`k${REFUSED_HERE_MAX}`).allowed, false);
  });
});

describe('limiter: concurrent consumes of one key', () => {
  it('allows exactly the budget and reports one first refusal, as one at a time would', async () => {
    const limiter = createLimiter('t', { points: 4, seconds: 60 }, { prefix: 'test:' });
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => limiter.consume('bench-dpi')));
    assert.equal(verdicts.filter((v) => v.allowed).length, 4);
    assert.deepEqual(
      verdicts.map((v) => v.allowed),
      [true, true, true, true, false, false, false, false, false, false],
      'the first four in arrival order',
    );
    assert.equal(verdicts.filter((v) => !v.allowed && v.firstRefusal).length, 1);
    assert.equal(limiter.refusedHere('bench-dpi').allowed, false);
  });
});

/**
 * A redis-server of the test's own, a client of it and a MONITOR connection on it: on the shared
 * Redis, a command of another test file can overtake MONITOR's reply and break ioredis's monitor
 * connection ("Command queue state error"). Every error is kept. commandsOf(act) gives the
 * commands Redis saw on keys containing `watched` while `act` alone ran. stop() removes the server.
 */
async function monitoredRedis(
  watched: string,
): Promise<{ redis: Redis; errors: Error[]; commandsOf(act: () => Promise<unknown>): Promise<string[]>; stop(): Promise<void> }> {
  const server = await createRedisServer();
  const redis = new Redis(server.url);
  const base = new Redis(server.url);
  // Both ready first: a ready check (INFO) arriving with MONITOR's +OK breaks the monitor connection the same way.
  await Promise.all([redis.ping(), base.ping()]);
  const monitor = await base.monitor();
  const errors: Error[] = [];
  monitor.on('error', (error: Error) => errors.push(error));
  const seen: string[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args.some((a) => a.includes(watched))) seen.push(args[0]!.toLowerCase());
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
  return {
    redis,
    errors,
    async commandsOf(act) {
      await settle();
      const from = seen.length;
      await act();
      await settle();
      return seen.slice(from);
    },
    async stop() {
      monitor.disconnect();
      base.disconnect();
      redis.disconnect();
      await server.dispose();
    },
  };
}

describe('limiter: counted in Redis', () => {
  const prefix = uniquePrefix('limiter');
  const redis = new Redis(TEST_REDIS_URL);
  afterAll(async () => {
    await deletePrefix(prefix);
    redis.disconnect();
  });

  it('allows the budget, refuses past it with the rest of the window, and gives the key its window as expiry', async () => {
    const limiter = createLimiter('ip', { points: 3, seconds: 60 }, { redis, prefix });
    for (let i = 0; i < 3; i += 1) assert.deepEqual(await limiter.consume('203.0.113.7'), { allowed: true });
    const ttl = await redis.pttl(`${prefix}rl:ip:203.0.113.7`);
    assert.ok(ttl > 58_000 && ttl <= 60_000, `the window's expiry was set at the first count (${ttl} ms)`);
    const refused = await limiter.consume('203.0.113.7');
    assert.ok(!refused.allowed && refused.firstRefusal && refused.retryAfterSeconds >= 59 && refused.retryAfterSeconds <= 60, JSON.stringify(refused));
    const again = await limiter.consume('203.0.113.7');
    assert.ok(!again.allowed && !again.firstRefusal, 'the second refusal is not the first');
    assert.equal((await limiter.peek('203.0.113.7')).allowed, false, 'peek sees the spent budget');
    assert.equal(await redis.get(`${prefix}rl:ip:203.0.113.7`), '5');
  });

  it('is shared by two instances (two limiters on the same Redis)', async () => {
    const budget = { points: 2, seconds: 60 };
    const one = createLimiter('shared', budget, { redis, prefix });
    const other = new Redis(TEST_REDIS_URL);
    await new Promise((resolve) => other.once('ready', resolve));
    const two = createLimiter('shared', budget, { redis: other, prefix });
    assert.equal((await one.consume('k')).allowed, true);
    assert.equal((await two.consume('k')).allowed, true);
    assert.equal((await one.consume('k')).allowed, false, "the other instance's count is seen");
    other.disconnect();
  });

  it('mends a key left without expiry at its first refusal (it would otherwise refuse for ever)', async () => {
    await redis.set(`${prefix}rl:stuck:k`, '7');
    const limiter = createLimiter('stuck', { points: 2, seconds: 30 }, { redis, prefix });
    const refused = await limiter.consume('k');
    assert.ok(!refused.allowed && refused.retryAfterSeconds === 30, JSON.stringify(refused));
    assert.ok((await redis.pttl(`${prefix}rl:stuck:k`)) > 0);
  });

  it('peeks with one GET while the budget holds; a spent budget adds one PTTL for its Retry-After', async () => {
    const { redis, errors, commandsOf, stop } = await monitoredRedis(`${prefix}rl:peek:`);
    const limiter = createLimiter('peek', { points: 1, seconds: 60 }, { redis, prefix });
    assert.deepEqual(await commandsOf(async () => assert.deepEqual(await limiter.peek('unseen'), { allowed: true })), ['get']);
    await limiter.consume('k');
    assert.deepEqual(await commandsOf(async () => assert.deepEqual(await limiter.peek('k'), { allowed: true }, 'spent, not exceeded')), ['get']);
    await limiter.consume('k');
    const commands = await commandsOf(async () => {
      const refused = await limiter.peek('k');
      assert.ok(!refused.allowed && !refused.firstRefusal && refused.retryAfterSeconds >= 59 && refused.retryAfterSeconds <= 60, JSON.stringify(refused));
    });
    await stop();
    assert.deepEqual(errors, [], 'the MONITOR connection reported no error');
    assert.deepEqual(commands, ['get', 'pttl'], 'no MULTI/EXEC');
  });

  it('a peek of a count left without expiry refuses for the window, not for ever nor for nothing', async () => {
    await redis.set(`${prefix}rl:stuck-peek:k`, '9');
    const limiter = createLimiter('stuck-peek', { points: 2, seconds: 30 }, { redis, prefix });
    const refused = await limiter.peek('k');
    assert.ok(!refused.allowed && refused.retryAfterSeconds === 30, JSON.stringify(refused));
  });

  it('costs one INCRBY per allowed count or point given back, no script: the first of a window adds its EXPIRE, a refusal its PTTL', async () => {
    const { redis, errors, commandsOf, stop } = await monitoredRedis(`${prefix}rl:cost:`);
    const limiter = createLimiter('cost', { points: 2, seconds: 60 }, { redis, prefix });
    const first = await commandsOf(async () => assert.deepEqual(await limiter.consume('k'), { allowed: true }));
    const within = await commandsOf(async () => assert.deepEqual(await limiter.consume('k'), { allowed: true }));
    const refused = await commandsOf(async () => assert.equal((await limiter.consume('k')).allowed, false));
    const ttl = await redis.pttl(`${prefix}rl:cost:k`);
    const givenBack = await commandsOf(() => limiter.giveBack('k'));
    const left = await redis.get(`${prefix}rl:cost:k`);
    const givenBackFresh = await commandsOf(() => limiter.giveBack('fresh'));
    const freshTtl = await redis.pttl(`${prefix}rl:cost:fresh`);
    await stop();
    assert.deepEqual(errors, [], 'the MONITOR connection reported no error');
    assert.deepEqual(first, ['incrby', 'expire'], 'the first count of a window sets its expiry');
    assert.deepEqual(within, ['incrby'], 'a count within the budget is one INCRBY');
    assert.deepEqual(refused, ['incrby', 'pttl'], 'a refusal reads the time left (Retry-After)');
    assert.ok(ttl > 58_000 && ttl <= 60_000, `the window's expiry (${ttl} ms)`);
    assert.deepEqual(givenBack, ['incrby'], 'a point given back is one INCRBY too');
    assert.equal(left, '2', 'three counted, one given back');
    assert.deepEqual(givenBackFresh, ['incrby', 'expire'], 'given back on a key with no count yet: the window set, as for a first count');
    assert.ok(freshTtl > 58_000 && freshTtl <= 60_000, `its expiry (${freshTtl} ms)`);
  });
});
