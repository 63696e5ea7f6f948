import { describe, it } from 'vitest';
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
