/**
 * A code or refresh token consumed by a request that never answered (cut after the consumption
 * or after the new tokens' save: Redis killed, frozen or failing over, a write refused) is
 * never taken for a replay: while that request may still run its lookup is the outage answer
 * (try again), afterwards it is served as not consumed and can be exchanged again. Once its
 * request answers (spendConsumedTokens, as oidc/edges.ts calls it), or when it was consumed
 * outside a request, it is spent as before (reusing it is a replay). Over Redis and the memory store.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { createAdapterFactory, type AdapterFactory } from '../../src/store/oidc-adapter.ts';
import { createRedisConnection } from '../../src/store/redis-connection.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import { asOneRequest } from '../../src/store/request-scope.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { STORE_ANSWER_MS } from '../../src/store/answer-deadline.ts';
import {
  CONSUMPTION_SETTLES_MS,
  FOLDING_MARK_SECONDS,
  SPEND_REPLY_MS,
  SPENT_REFRESH_TOKEN_FIELDS,
  spendConsumedTokens,
} from '../../src/store/token-consumption.ts';
import { StoreUnavailableError } from '../../src/store/unavailable.ts';
import type { Store } from '../../src/store/store.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';

for (const kind of ['redis', 'memory'] as const) {
  describe(`a code or refresh token consumed by a request that did not answer: ${kind}`, () => {
    const prefix = uniquePrefix(`consumption-${kind}`);
    const keyNames = createKeyNames(prefix);
    let now = 1_800_000_000_000;
    let store: Store;
    let factory: AdapterFactory;
    let n = 0;
    beforeAll(() => {
      store = kind === 'redis' ? createRedisStore(createRedisConnection({ url: TEST_REDIS_URL })) : createMemoryStore();
      factory = createAdapterFactory(store, keyNames, { clock: () => now });
    });
    afterAll(async () => {
      await store.close();
      if (kind === 'redis') await deletePrefix(prefix);
    });

    async function refreshToken() {
      const jti = `rt-${(n += 1)}`;
      await factory('RefreshToken').upsert(jti, { jti, kind: 'RefreshToken', grantId: `g-${n}`, accountId: 'acc' }, 3600);
      return jti;
    }
    /**
     * What oidc-provider's refresh grant writes, in one request: consume the old token, save the
     * new one, then the access token; then the answer (oidc/edges.ts spends what was consumed).
     */
    async function rotate(old: string, cutAfter?: 'consume' | 'refresh-token' | 'access-token') {
      await asOneRequest(async () => {
        await factory('RefreshToken').consume(old);
        if (cutAfter === 'consume') return;
        const next = `rt-${(n += 1)}`;
        await factory('RefreshToken').upsert(next, { jti: next, kind: 'RefreshToken', grantId: 'g', accountId: 'acc' }, 3600);
        if (cutAfter === 'refresh-token') return;
        const at = `at-${(n += 1)}`;
        await factory('AccessToken').upsert(at, { jti: at, kind: 'AccessToken', grantId: 'g', accountId: 'acc' }, 300);
        if (cutAfter === 'access-token') return;
        await spendConsumedTokens();
      });
    }

    test('a refresh that answered spends the token: reusing it is a replay, however long after', async () => {
      const rt = await refreshToken();
      await rotate(rt);
      assert.equal(typeof (await factory('RefreshToken').find(rt))?.consumed, 'number');
      now += CONSUMPTION_SETTLES_MS;
      assert.equal(typeof (await factory('RefreshToken').find(rt))?.consumed, 'number');
    });

    for (const cutAfter of ['consume', 'refresh-token', 'access-token'] as const) {
      test(`cut after ${{ consume: 'the consumption', 'refresh-token': 'the new refresh token', 'access-token': 'both new tokens, before the answer' }[cutAfter]}: "try again" for a moment, then the token works again`, async () => {
        const rt = await refreshToken();
        await rotate(rt, cutAfter);
        now += 1_000;
        await assert.rejects(
          factory('RefreshToken').find(rt),
          (err: unknown) =>
            err instanceof StoreUnavailableError && /consumed 1000 ms ago by a request that has not answered/.test(String((err as Error).cause)),
        );
        now += CONSUMPTION_SETTLES_MS;
        const found = await factory('RefreshToken').find(rt);
        assert.equal(found?.jti, rt);
        assert.equal(found?.consumed, undefined, 'served as not consumed');
        await rotate(rt);
        assert.equal(typeof (await factory('RefreshToken').find(rt))?.consumed, 'number', 'rotated for good this time');
      });
    }

    /** A refresh token as oidc-provider saves it after a sign-in. */
    const fullPayload = (jti: string) => ({
      iat: 1_800_000_000,
      exp: 1_800_014_400,
      accountId: 'acc',
      acr: 'eidas2',
      amr: ['hwk', 'mfa'],
      authTime: 1_800_000_000,
      claims: { id_token: { auth_time: { essential: true } } },
      expiresWithSession: true,
      grantId: 'g-full',
      gty: 'authorization_code',
      nonce: 'n-0123456789abcdef',
      rotations: 0,
      scope: 'openid profile',
      sessionUid: 'su-1',
      kind: 'RefreshToken',
      jti,
      clientId: 'dpi',
      iiat: 1_800_000_000,
    });

    /** As oidc-provider's refresh grant, in one request: the token read, consumed, the new access token saved, then the answer. */
    async function spendInOneRequest(adapters: AdapterFactory, rt: string) {
      await asOneRequest(async () => {
        await adapters('RefreshToken').find(rt);
        await adapters('RefreshToken').consume(rt);
        const at = `at-${(n += 1)}`;
        await adapters('AccessToken').upsert(at, { jti: at, kind: 'AccessToken', grantId: 'g-full', accountId: 'acc' }, 300);
        await spendConsumedTokens();
      });
    }

    test('a refresh that answered keeps the spent token as one record of what its reuse needs, consumed inline, same expiry: its use mark lives only a minute', async () => {
      const rt = `rt-${(n += 1)}`;
      await factory('RefreshToken').upsert(rt, fullPayload(rt), 3600);
      const ttlBefore = await store.ttl(keyNames.modelJson('RefreshToken', rt));
      await asOneRequest(async () => {
        // As oidc-provider's refresh grant: find the token, consume it, save the new one, then the access token.
        assert.equal((await factory('RefreshToken').find(rt))?.nonce, 'n-0123456789abcdef');
        await factory('RefreshToken').consume(rt);
        const next = `rt-${(n += 1)}`;
        await factory('RefreshToken').upsert(next, fullPayload(next), 3600);
        const at = `at-${(n += 1)}`;
        await factory('AccessToken').upsert(at, { jti: at, kind: 'AccessToken', grantId: 'g-full', accountId: 'acc' }, 300);
        await spendConsumedTokens();
      });
      const spent = await factory('RefreshToken').find(rt);
      assert.equal(typeof spent?.consumed, 'number', 'spent: reusing it is a replay');
      assert.deepEqual(Object.keys(spent!).sort(), [...SPENT_REFRESH_TOKEN_FIELDS, 'consumed'].filter((f) => f in fullPayload(rt) || f === 'consumed').sort());
      for (const field of ['grantId', 'clientId', 'accountId', 'sessionUid', 'expiresWithSession', 'scope', 'exp', 'iat', 'jti'] as const) {
        assert.deepEqual(spent![field], fullPayload(rt)[field], `${field} is kept: oidc-provider checks it before it sees the reuse`);
      }
      const markTtl = await store.ttl(keyNames.modelUsed('RefreshToken', rt));
      assert.ok(markTtl > 0 && markTtl <= FOLDING_MARK_SECONDS, `the use mark lives ${markTtl} s, not as long as the token`);
      const spentText = JSON.parse((await store.get(keyNames.modelJson('RefreshToken', rt)))!) as Record<string, unknown>;
      assert.equal(spentText.consumed, spent!.consumed);
      assert.equal('jti' in spentText, false, 'its jti is not stored: its key names it (record-defaults.ts)');
      await store.del(keyNames.modelUsed('RefreshToken', rt)); // as when it expires
      assert.equal((await factory('RefreshToken').find(rt))?.consumed, spent!.consumed, 'the mark gone, the record still says it is spent');
      const ttlAfter = await store.ttl(keyNames.modelJson('RefreshToken', rt));
      assert.ok(ttlAfter <= ttlBefore && ttlAfter >= ttlBefore - 5, `the record keeps its expiry (${ttlBefore} s, then ${ttlAfter} s)`);
    });

    test('during the window after an upgrade from a release that needs it, the spent record keeps its jti', async () => {
      const during = createAdapterFactory(store, keyNames, { clock: () => now, recordIdsKeptUntil: now + 3_600_000 });
      const rt = `rt-${(n += 1)}`;
      await during('RefreshToken').upsert(rt, fullPayload(rt), 3600);
      await spendInOneRequest(during, rt);
      const spentText = JSON.parse((await store.get(keyNames.modelJson('RefreshToken', rt)))!) as Record<string, unknown>;
      assert.equal(typeof spentText.consumed, 'number', 'the spent record was written');
      assert.equal(spentText.jti, rt, 'a release before the eleventh round reads its jti from the record');
      now += 3_600_000;
      const after = `rt-${(n += 1)}`;
      await during('RefreshToken').upsert(after, fullPayload(after), 3600);
      assert.equal('jti' in JSON.parse((await store.get(keyNames.modelJson('RefreshToken', after)))!), false, 'the window over, the jti is left out');
    });

    test('a spent record whose use mark still marks its rotation (as the release before the timed spend left it for its minute) is spent at once: neither the outage answer nor fresh', async () => {
      const rt = `rt-${(n += 1)}`;
      await factory('RefreshToken').upsert(rt, fullPayload(rt), 3600);
      await spendInOneRequest(factory, rt);
      const mark = keyNames.modelUsed('RefreshToken', rt);
      assert.equal(await store.get(mark), `${Math.floor(now / 1000)}`, 'the record and its mark spent in one write');
      assert.equal(await store.replace(mark, `${Math.floor(now / 1000)} ${now}`), true, 'the mark as the release before left it');
      assert.equal(typeof (await factory('RefreshToken').find(rt))?.consumed, 'number', 'within the settling time');
      now += CONSUMPTION_SETTLES_MS;
      assert.equal(typeof (await factory('RefreshToken').find(rt))?.consumed, 'number', 'after it');
    });

    test('a rotation cut after its request read and consumed the token: its minute-long mark asks to try again, then nothing; the token works again', async () => {
      const rt = `rt-${(n += 1)}`;
      await factory('RefreshToken').upsert(rt, fullPayload(rt), 3600);
      await asOneRequest(async () => {
        await factory('RefreshToken').find(rt);
        await factory('RefreshToken').consume(rt); // then the outage: nothing else is saved
      });
      const markTtl = await store.ttl(keyNames.modelUsed('RefreshToken', rt));
      assert.ok(markTtl > 0 && markTtl <= FOLDING_MARK_SECONDS, `mark for ${markTtl} s`);
      await assert.rejects(factory('RefreshToken').find(rt), StoreUnavailableError);
      now += CONSUMPTION_SETTLES_MS;
      assert.equal((await factory('RefreshToken').find(rt))?.consumed, undefined, 'settled: served as not consumed');
      await store.del(keyNames.modelUsed('RefreshToken', rt)); // as when its minute is over
      const again = await factory('RefreshToken').find(rt);
      assert.equal(again?.consumed, undefined);
      assert.equal(again?.nonce, 'n-0123456789abcdef', 'whole: nothing was shrunk, since the rotation did not finish');
    });

    test('a spend that reaches the store after its request gave up on it changes nothing: the outage answer, then the token works again', async () => {
      // The spend held up on its way (a failover, a stalled connection) past what its request waits.
      const slowSpend: Store = {
        ...store,
        setIfEqualsWithin: async (...args) => {
          await sleep(STORE_ANSWER_MS - SPEND_REPLY_MS + 300);
          return store.setIfEqualsWithin(...args);
        },
      };
      const late = createAdapterFactory(slowSpend, keyNames, { clock: () => now });
      const rt = `rt-${(n += 1)}`;
      await factory('RefreshToken').upsert(rt, fullPayload(rt), 3600);
      await assert.rejects(
        spendInOneRequest(late, rt),
        (err: unknown) =>
          err instanceof StoreUnavailableError && /the spend reached the store more than \d+ ms after the consumption/.test(String((err as Error).cause)),
      );
      await assert.rejects(factory('RefreshToken').find(rt), StoreUnavailableError, 'still pending: try again');
      now += CONSUMPTION_SETTLES_MS;
      const again = await factory('RefreshToken').find(rt);
      assert.equal(again?.consumed, undefined, 'settled: served as not consumed');
      assert.equal(again?.nonce, 'n-0123456789abcdef', 'whole: the late spend did not shrink it');
      await spendInOneRequest(factory, rt);
      assert.equal(typeof (await factory('RefreshToken').find(rt))?.consumed, 'number', 'spent by the request that answered in time');
    });

    test('consumed outside a request (a CLI, a timer): spent at once, as before', async () => {
      const rt = await refreshToken();
      await factory('RefreshToken').consume(rt);
      assert.equal(typeof (await factory('RefreshToken').find(rt))?.consumed, 'number');
    });

    /** As oidc-provider's code grant, in one request: the code consumed, the access token and the refresh token saved, then (unless cut) the answer. */
    async function exchangeCode(code: string, answered: boolean) {
      await asOneRequest(async () => {
        await factory('AuthorizationCode').consume(code);
        const at = `at-${(n += 1)}`;
        await factory('AccessToken').upsert(at, { jti: at, kind: 'AccessToken', grantId: 'g', accountId: 'acc' }, 300);
        const rt = `rt-${(n += 1)}`;
        await factory('RefreshToken').upsert(rt, { jti: rt, kind: 'RefreshToken', grantId: 'g', accountId: 'acc' }, 3600);
        if (answered) await spendConsumedTokens();
      });
    }

    test('a code exchanged in a request that answered is spent, however long after', async () => {
      const code = `code-${(n += 1)}`;
      await factory('AuthorizationCode').upsert(code, { jti: code, kind: 'AuthorizationCode', grantId: 'g' }, 60);
      await exchangeCode(code, true);
      assert.equal(typeof (await factory('AuthorizationCode').find(code))?.consumed, 'number');
      now += CONSUMPTION_SETTLES_MS;
      assert.equal(typeof (await factory('AuthorizationCode').find(code))?.consumed, 'number');
      assert.equal(
        await store.get(keyNames.modelUsed('AuthorizationCode', code)),
        String(Math.floor((now - CONSUMPTION_SETTLES_MS) / 1000)),
        'the mark says spent',
      );
    });

    test('a code exchanged in a request cut before its answer (its tokens saved): "try again" for a moment, then it can be exchanged again', async () => {
      const code = `code-${(n += 1)}`;
      await factory('AuthorizationCode').upsert(code, { jti: code, kind: 'AuthorizationCode', grantId: 'g' }, 60);
      await exchangeCode(code, false);
      await assert.rejects(factory('AuthorizationCode').find(code), StoreUnavailableError);
      now += CONSUMPTION_SETTLES_MS;
      assert.equal((await factory('AuthorizationCode').find(code))?.consumed, undefined, 'served as not consumed');
      await exchangeCode(code, true);
      assert.equal(typeof (await factory('AuthorizationCode').find(code))?.consumed, 'number', 'spent once an exchange answered');
    });

    test('what a request consumed is spent once: a second call spends nothing more', async () => {
      const rt = await refreshToken();
      await asOneRequest(async () => {
        await factory('RefreshToken').consume(rt);
        await spendConsumedTokens();
        await store.set(keyNames.modelUsed('RefreshToken', rt), `${Math.floor(now / 1000)} ${now}`, 60); // as another request's pending mark
        await spendConsumedTokens();
      });
      await assert.rejects(factory('RefreshToken').find(rt), StoreUnavailableError, 'the later mark was left alone');
    });

    test('consumed by two requests at once: the second is told to try again, and buys nothing', async () => {
      for (const model of ['AuthorizationCode', 'RefreshToken', 'PushedAuthorizationRequest'] as const) {
        const id = `${model}-${(n += 1)}`;
        await factory(model).upsert(id, { jti: id, kind: model, grantId: 'g' }, 60);
        // Both read it unconsumed, then each consumes it.
        const [first, second] = await Promise.allSettled([
          asOneRequest(async () => {
            await factory(model).find(id);
            await factory(model).consume(id);
          }),
          asOneRequest(async () => {
            await factory(model).find(id);
            await factory(model).consume(id);
          }),
        ]);
        const refused = [first, second].filter((r) => r.status === 'rejected');
        assert.equal(refused.length, 1, `${model}: one consumption only`);
        assert.ok((refused[0] as PromiseRejectedResult).reason instanceof StoreUnavailableError);
        assert.match(String(((refused[0] as PromiseRejectedResult).reason as Error).cause), /consumed meanwhile by another request/);
      }
    });

    test('a cut consumption is claimed again by one request only, and a spent refresh token never', async () => {
      const code = `code-${(n += 1)}`;
      await factory('AuthorizationCode').upsert(code, { jti: code, kind: 'AuthorizationCode', grantId: 'g' }, 60);
      await exchangeCode(code, false);
      now += CONSUMPTION_SETTLES_MS;
      const claims = await Promise.allSettled([exchangeCode(code, true), exchangeCode(code, true)]);
      assert.deepEqual(claims.map((c) => c.status).sort(), ['fulfilled', 'rejected'], 'one of two claims of the cut consumption wins');
      assert.equal(typeof (await factory('AuthorizationCode').find(code))?.consumed, 'number');

      // A refresh token spent inline, its minute-long pending mark left beside it and stale: spent, not claimable.
      const rt = `rt-${(n += 1)}`;
      await factory('RefreshToken').upsert(rt, fullPayload(rt), 3600);
      await spendInOneRequest(factory, rt);
      now += CONSUMPTION_SETTLES_MS;
      await assert.rejects(
        asOneRequest(() => factory('RefreshToken').consume(rt)),
        StoreUnavailableError,
      );
      assert.equal(typeof (await factory('RefreshToken').find(rt))?.consumed, 'number');
    });

    test('other consumable models are spent at once, within a request too', async () => {
      const par = `par-${(n += 1)}`;
      await factory('PushedAuthorizationRequest').upsert(par, { jti: par, kind: 'PushedAuthorizationRequest' }, 60);
      await asOneRequest(() => factory('PushedAuthorizationRequest').consume(par));
      assert.equal(typeof (await factory('PushedAuthorizationRequest').find(par))?.consumed, 'number');
    });
  });
}
