import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import {
  addToSessionSave,
  asOneRequest,
  forgetForRequest,
  joinSessionSave,
  outsideAnyRequest,
  readOncePerRequest,
  rememberForRequest,
  updateForRequest,
} from './request-scope.ts';
import { createMemoryStore } from './memory-store.ts';

/** A read that counts its calls and answers `value()` at each. */
function counted<T>(value: () => T) {
  let calls = 0;
  return {
    read: async () => {
      calls += 1;
      return value();
    },
    calls: () => calls,
  };
}

describe('records read once per request', () => {
  it('are read once in a request, each caller getting its own copy', async () => {
    const record = counted(() => ({ name: 'Clé' }));
    await asOneRequest(async () => {
      const [a, b] = await Promise.all([readOncePerRequest('k', record.read), readOncePerRequest('k', record.read)]);
      assert.equal(record.calls(), 1, 'concurrent calls share one read');
      a.name = 'changed';
      assert.deepEqual(b, { name: 'Clé' });
      assert.deepEqual(await readOncePerRequest('k', record.read), { name: 'Clé' });
      assert.equal(record.calls(), 1);
    });
  });

  it('are read every time outside a request, and never served to another request', async () => {
    let stored = 'first';
    const record = counted(() => stored);
    await readOncePerRequest('k', record.read);
    await readOncePerRequest('k', record.read);
    assert.equal(record.calls(), 2, 'no request, no memo');

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = asOneRequest(async () => {
      const before = await readOncePerRequest('k', record.read);
      await held;
      return [before, await readOncePerRequest('k', record.read)];
    });
    await new Promise((resolve) => setImmediate(resolve));
    stored = 'second';
    const second = await asOneRequest(() => readOncePerRequest('k', record.read));
    assert.equal(second, 'second', 'a request running beside another reads for itself');
    release();
    assert.deepEqual(await first, ['first', 'first']);
    assert.equal(await outsideAnyRequest(() => readOncePerRequest('k', record.read)), 'second', 'work outside any request reads the store');
  });

  it("see the request's own writes: forgotten, remembered, or updated when read", async () => {
    let stored = 1;
    const record = counted(() => stored);
    await asOneRequest(async () => {
      assert.equal(await readOncePerRequest('k', record.read), 1);
      stored = 2;
      forgetForRequest('k');
      assert.equal(await readOncePerRequest('k', record.read), 2, 'forgotten: read again');
      rememberForRequest('k', 3);
      assert.equal(await readOncePerRequest('k', record.read), 3, 'remembered: what was written');
      updateForRequest<number>('k', (n) => n * 10);
      assert.equal(await readOncePerRequest('k', record.read), 30, 'updated');
      updateForRequest<number>('never-read', () => 99);
      assert.equal(await readOncePerRequest('never-read', async () => 7), 7, 'an update of a record not read leaves nothing behind');
      assert.equal(record.calls(), 2);
    });
  });

  it('do not keep a failed read', async () => {
    let fail = true;
    const record = counted(() => {
      if (fail) throw new Error('no answer');
      return 'ok';
    });
    await asOneRequest(async () => {
      await assert.rejects(readOncePerRequest('k', record.read), /no answer/);
      fail = false;
      assert.equal(await readOncePerRequest('k', record.read), 'ok');
      assert.equal(record.calls(), 2);
    });
  });
});

describe('a write joining the save of a session', () => {
  it('joins the batches saving a session in its request, until let go; never another request', async () => {
    const store = createMemoryStore();
    const joined: string[] = [];
    await asOneRequest(async () => {
      const leave = joinSessionSave((uid, batch) => {
        joined.push(uid);
        batch.set(`with-${uid}`, 'x');
      });
      await outsideAnyRequest(async () => addToSessionSave('elsewhere', store.batch()));
      await asOneRequest(async () => addToSessionSave('another-request', store.batch()));
      const batch = store.batch();
      addToSessionSave('u1', batch);
      await batch.exec();
      leave();
      addToSessionSave('after-leave', store.batch());
    });
    assert.deepEqual(joined, ['u1']);
    assert.equal(await store.get('with-u1'), 'x');
    assert.doesNotThrow(() => joinSessionSave(() => undefined)(), 'outside a request: nothing, and nothing to let go');
  });
});
