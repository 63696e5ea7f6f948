import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createMemoryStore, createKeyNames } from '../store/index.ts';
import { createNoticeBoard, noticeOf } from './notices.ts';

const event = (type: string, outcome: 'success' | 'failure' | 'info', details: Record<string, string | number> = {}, seq = 1) => ({
  type: type as never,
  outcome,
  actor: '810101234561',
  seq,
  time: '2026-12-04T10:00:00.000Z',
  details,
});

describe("notices of changes to a clinician's means", () => {
  it('are derived from the audit events of changes, and only those', () => {
    assert.equal(noticeOf(event('key.enrolled', 'success', { kind: 'security-key' }))?.change, 'added');
    assert.equal(noticeOf(event('key.renamed', 'success'))?.change, 'renamed');
    assert.equal(noticeOf(event('key.raised', 'success'))?.change, 'raised');
    assert.equal(noticeOf(event('key.confirmed', 'success'))?.change, 'confirmed');
    assert.deepEqual(
      [noticeOf(event('key.revoked', 'success', { by: 'admin', count: 2 }))?.by, noticeOf(event('key.revoked', 'success', { by: 'admin', count: 2 }))?.count],
      ['admin', 2],
    );
    assert.equal(noticeOf(event('key.expired', 'info', { keyName: 'Clé' }))?.keyName, 'Clé');
    assert.equal(noticeOf(event('key.counter_anomaly', 'failure'))?.change, 'blocked');
    assert.equal(noticeOf(event('key.model_compromised', 'failure', { status: 'REVOKED', ceremony: 'sign-in' }))?.by, 'REVOKED');
    assert.equal(
      noticeOf(event('key.model_compromised', 'failure', { status: 'REVOKED', ceremony: 'enrolment' })),
      undefined,
      'a refused enrolment made no key',
    );
    assert.equal(noticeOf(event('key.enrolled', 'failure')), undefined, 'a refused enrolment changed nothing');
    assert.equal(noticeOf(event('signin.succeeded', 'success')), undefined);
    assert.equal(noticeOf({ ...event('key.renamed', 'success'), actor: undefined }), undefined);
  });

  it('are pending until acknowledged, once: acknowledging again changes nothing, a later notice stays pending', async () => {
    const board = createNoticeBoard(createMemoryStore(), createKeyNames('t:'));
    await board.add('810101234561', { seq: 4, change: 'added', at: 'x' });
    await board.add('810101234561', { seq: 7, change: 'renamed', at: 'y' });
    assert.deepEqual(
      (await board.pending('810101234561')).map((n) => n.seq),
      [4, 7],
    );
    assert.equal(await board.acknowledge('810101234561', 4), 1);
    assert.deepEqual(
      (await board.pending('810101234561')).map((n) => n.seq),
      [7],
    );
    assert.equal(await board.acknowledge('810101234561', 4), 0, 'already acknowledged');
    assert.equal(await board.acknowledge('810101234561', 7), 1);
    assert.equal(await board.acknowledge('810101234561', 7), 0);
    assert.deepEqual(await board.pending('810101234561'), []);
    assert.deepEqual(await board.pending('810102345672'), [], 'another clinician has none');
  });

  it('at sign-in: the pending notices and whether the clinician was warned today, in one MGET and one LRANGE', async () => {
    const store = createMemoryStore();
    const keyNames = createKeyNames('t:');
    const commands: string[] = [];
    const counting = new Proxy(store, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof name !== 'string' || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          commands.push(name);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const board = createNoticeBoard(counting, keyNames);
    const idNat = '810101234561';
    assert.deepEqual(await board.atSignIn(idNat), { pending: [], warnedToday: false });
    await board.add(idNat, { seq: 4, change: 'added', at: 'x' });
    await board.add(idNat, { seq: 7, change: 'renamed', at: 'y' });
    await board.acknowledge(idNat, 4);
    commands.length = 0;
    const { pending, warnedToday } = await board.atSignIn(idNat);
    assert.deepEqual([pending.map((n) => n.seq), warnedToday], [[7], false], 'as pending() says');
    assert.deepEqual(commands.sort(), ['lrange', 'mget']);
    await board.markWarned(idNat);
    assert.equal((await board.atSignIn(idNat)).warnedToday, true);
    assert.ok((await store.ttl(keyNames.accountPart(idNat, 'age-warned'))) > 19 * 3600, 'for about a day');
    assert.equal((await board.atSignIn('810102345672')).warnedToday, false, 'another clinician was not');
  });
});
