import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { dropReadAhead, readAhead, takeReadAhead } from './request-read-ahead.ts';
import { asOneRequest } from './request-scope.ts';

/** A read that counts its calls and answers `value`. */
function counted(value: string | null) {
  let calls = 0;
  return {
    read: async () => {
      calls += 1;
      return value;
    },
    calls: () => calls,
  };
}

describe('records read ahead for a request', () => {
  it('are taken once, by a read of the same key in the same request', async () => {
    const grant = counted('{"accountId":"a"}');
    await asOneRequest(async () => {
      readAhead('g', grant.read);
      readAhead('g', grant.read);
      assert.equal(grant.calls(), 1, 'one read while it waits to be taken');
      assert.equal(takeReadAhead('other'), undefined, 'another key has none');
      assert.equal(await takeReadAhead('g'), '{"accountId":"a"}');
      assert.equal(takeReadAhead('g'), undefined, 'a second read goes to the store');
    });
  });

  it('are never taken by another request, nor outside one', async () => {
    const grant = counted('x');
    await asOneRequest(async () => readAhead('g', grant.read));
    await asOneRequest(async () => assert.equal(takeReadAhead('g'), undefined, "another request's read ahead"));
    readAhead('g', grant.read);
    assert.equal(grant.calls(), 1, 'nothing is read ahead outside a request');
    assert.equal(takeReadAhead('g'), undefined);
  });

  it('are dropped by a write of the record in the request', async () => {
    const session = counted('before');
    await asOneRequest(async () => {
      readAhead('s', session.read);
      dropReadAhead('s');
      assert.equal(takeReadAhead('s'), undefined);
    });
  });

  it('fail for the read that takes them; one never taken fails quietly', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await asOneRequest(async () => {
        readAhead('taken', () => Promise.reject(new Error('redis: no answer')));
        await assert.rejects(takeReadAhead('taken')!, /no answer/);
        readAhead('left', () => Promise.reject(new Error('redis: no answer')));
      });
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
