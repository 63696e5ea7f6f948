import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { StoreDeadlineError, awaitShared, sharedWork, withinDeadline } from './answer-deadline.ts';
import { asOneRequest } from './request-scope.ts';
import { isStoreUnavailable } from './unavailable.ts';

const never = () => new Promise<string>(() => {});

describe('answer deadline of store commands', () => {
  it('rejects a command that gets no answer with a store-unavailable error naming it', async () => {
    const err = await withinDeadline(never, 'GET', 20).catch((e: unknown) => e);
    assert.ok(err instanceof StoreDeadlineError);
    assert.match((err as Error).message, /no answer to GET within 20 ms/);
    assert.equal(isStoreUnavailable(err), true);
  });

  it('gives an answer that comes in time, and a failure as it is', async () => {
    assert.equal(await withinDeadline(async () => 'v', 'GET', 1000), 'v');
    await assert.rejects(
      withinDeadline(
        async () => {
          throw new Error('WRONGTYPE x');
        },
        'GET',
        1000,
      ),
      /WRONGTYPE/,
    );
  });

  it('within one request, waits once: after a command got no answer, the next ones are not even sent', async () => {
    await asOneRequest(async () => {
      await assert.rejects(withinDeadline(never, 'EVALSHA', 20), StoreDeadlineError);
      let sent = false;
      const err = await withinDeadline(
        async () => {
          sent = true;
          return 'v';
        },
        'HGETALL',
        20,
      ).catch((e: unknown) => e);
      assert.equal(sent, false, 'not sent');
      assert.match((err as Error).message, /HGETALL not sent: an earlier command of this request got no answer/);
    });
  });

  it('another request, or work outside requests, waits for its own answers', async () => {
    await asOneRequest(() => assert.rejects(withinDeadline(never, 'GET', 20), StoreDeadlineError));
    assert.equal(await asOneRequest(() => withinDeadline(async () => 'fresh', 'GET', 1000)), 'fresh');
    await withinDeadline(never, 'GET', 20).catch(() => undefined);
    assert.equal(await withinDeadline(async () => 'again', 'GET', 1000), 'again');
  });

  it('work shared by several requests runs outside their scopes: a request whose wait is spent does not spoil what it starts for others', async () => {
    await asOneRequest(async () => {
      await assert.rejects(withinDeadline(never, 'GET', 20), StoreDeadlineError);
      assert.equal(await sharedWork(() => withinDeadline(async () => 'counted', 'EVALSHA', 1000)), 'counted', 'sent and answered');
    });
  });

  it('a request waits for shared work within its own deadline, and a deadline the shared work missed counts as its own', async () => {
    await asOneRequest(async () => {
      await assert.rejects(awaitShared(never(), 'rate limit count', 20), StoreDeadlineError, 'bounded by its own deadline');
    });
    await asOneRequest(async () => {
      // The shared call misses its own deadline; the request gets that failure (wrapped, as the limiter does)...
      const work = sharedWork(() => withinDeadline(never, 'EVALSHA', 20)).catch((err: unknown) => {
        throw new Error('the store is unavailable', { cause: err });
      });
      await assert.rejects(awaitShared(work, 'rate limit count', 1000), /the store is unavailable/);
      // ...and has waited its turn: its next command is not sent (no second wait).
      let sent = false;
      const err = await withinDeadline(
        async () => {
          sent = true;
          return 'v';
        },
        'HGETALL',
        1000,
      ).catch((e: unknown) => e);
      assert.equal(sent, false);
      assert.ok(err instanceof StoreDeadlineError);
    });
  });
});
