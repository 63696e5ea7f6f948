/**
 * rememberSessionAssurance: an authorization the level check let through saves the session's
 * assurance (with the activity of now) and its deadline — in the batch that saves the session
 * when the authorization saves it (one call, the deadline included), by itself when it does not; nothing for a
 * request the check did not let through.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { markPassed, rememberSessionAssurance, type AssuranceCheckDeps } from './assurance-check.ts';
import { createSessionLifetimes } from './session-limits.ts';
import { createMemoryStore } from '../store/memory-store.ts';
import { createKeyNames } from '../store/key-names.ts';
import { addToSessionSave, asOneRequest } from '../store/request-scope.ts';
import { createSessionAssuranceStore } from '../assurance/session-assurance.ts';
import { keySignInRecord } from '../../test/support/session-assurance-record.ts';
import type { Requirement } from '../assurance/index.ts';
import type { Store } from '../store/store.ts';

const MIN = 60_000;
const NOW = 1_800_000_000_000;
const record = keySignInRecord(NOW - 10 * MIN, { lastSeenAt: NOW - 5 * MIN });
const requirement: Requirement = { level: 'eidas1', phishingResistant: false, hardwareProtected: false, requested: [], essentialValues: [], mandatory: false };

/** The middleware on a memory store that counts its batches and ZADDs. */
function setUp() {
  const inner = createMemoryStore();
  const counts = { batches: 0, zadds: 0 };
  const store: Store = {
    ...inner,
    batch: () => (counts.batches++, inner.batch()),
    zadd: (...args) => (counts.zadds++, inner.zadd(...args)),
  };
  const keyNames = createKeyNames('remember-test');
  const sessions = createSessionAssuranceStore(store, keyNames);
  const deps = {
    sessions,
    lifetimes: createSessionLifetimes({
      idleMinutes: 30,
      absoluteMinutes: 240,
      sharedWorkstation: { idleMinutes: 10, absoluteMinutes: 60, networks: [] },
      sweepSeconds: 30,
    }),
    store,
    deadlinesKey: keyNames.custom('sessions', 'deadlines'),
    clock: () => NOW,
  } as unknown as AssuranceCheckDeps;
  const deadlines = () => inner.zrangeUpTo(deps.deadlinesKey, Infinity, 10);
  return { deps, sessions, counts, deadlines, middleware: rememberSessionAssurance(deps) };
}

/** One authorization request: `route` plays oidc-provider's part (the check, the session's save). */
const authorization = (middleware: ReturnType<typeof rememberSessionAssurance>, uid: string, route: (ctx: KoaContextWithOIDC) => Promise<void>) => {
  const ctx = { oidc: { session: { uid } } } as unknown as KoaContextWithOIDC;
  return asOneRequest(() => middleware(ctx, () => route(ctx)));
};

describe('rememberSessionAssurance', () => {
  it('saved with the session when the authorization saves it: in the session’s one batch, its deadline too', async () => {
    const { deps, sessions, counts, deadlines, middleware } = setUp();
    await authorization(middleware, 'uid-1', async (ctx) => {
      markPassed(ctx.oidc, record, requirement);
      // The session's save, as the oidc adapter queues it.
      const batch = deps.store.batch();
      addToSessionSave('uid-1', batch);
      batch.set('session-1', 'the session');
      await batch.exec();
    });
    assert.deepEqual(await sessions.get('uid-1'), { ...record, lastSeenAt: NOW });
    assert.equal(await deps.store.get('session-1'), 'the session');
    assert.deepEqual(counts, { batches: 1, zadds: 0 }, 'no batch of its own, no ZADD of its own');
    assert.deepEqual(await deadlines(), ['uid-1']);
  });

  it('by itself when the authorization does not save its session (or saves another)', async () => {
    const { deps, sessions, counts, deadlines, middleware } = setUp();
    await authorization(middleware, 'uid-2', async (ctx) => {
      markPassed(ctx.oidc, record, requirement);
      const other = deps.store.batch();
      addToSessionSave('another-uid', other);
      await other.set('session-x', 'another session').exec();
    });
    assert.deepEqual(await sessions.get('uid-2'), { ...record, lastSeenAt: NOW });
    assert.equal(await sessions.get('another-uid'), undefined, 'nothing joined the save of another session');
    assert.deepEqual(counts, { batches: 2, zadds: 0 }, 'its own batch, the deadline in it');
    assert.deepEqual(await deadlines(), ['uid-2']);
  });

  it('nothing for an authorization the check did not let through, its session saved or not', async () => {
    const { deps, sessions, counts, deadlines, middleware } = setUp();
    await authorization(middleware, 'uid-3', async () => {
      const batch = deps.store.batch();
      addToSessionSave('uid-3', batch);
      await batch.set('session-3', 'the session').exec();
    });
    assert.equal(await sessions.get('uid-3'), undefined);
    assert.deepEqual(counts, { batches: 1, zadds: 0 });
    assert.deepEqual(await deadlines(), []);
  });
});
