/**
 * One contract for the oidc-provider adapter, run over the Redis store and the memory
 * store: records, TTLs, consume, the uid / user code / grant indexes and key hash tags; an
 * Interaction read once per request, its writes in the request seen.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createKeyNames, type KeyNames } from '../../src/store/key-names.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { USED_MARK_MARGIN_SECONDS } from '../../src/store/adapter-record.ts';
import { createAdapterFactory, type AdapterFactory } from '../../src/store/oidc-adapter.ts';
import { createRedisConnection } from '../../src/store/redis-connection.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import { SESSION_ASSURANCE_PART, SESSION_ID_PART } from '../../src/store/session-record.ts';
import type { Store } from '../../src/store/store.ts';
import { asOneRequest } from '../../src/store/request-scope.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';
import { deleteClusterPrefix, TEST_REDIS_CLUSTER_NODES } from './cluster-support.ts';

const MODELS = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'PreAuthorizedCode',
  'SomeFutureModel',
];

/** The `{tag}` of a key, asserting the `<prefix>{<tag>}:<rest>` format. */
function tagOf(keyNames: KeyNames, key: string): string {
  assert.ok(key.startsWith(`${keyNames.prefix}{`), `expected ${key} to start with ${keyNames.prefix}{`);
  const match = /^\{([^{}]+)\}:.+$/.exec(key.slice(keyNames.prefix.length));
  assert.ok(match?.[1], `expected ${key} to be ${keyNames.prefix}{tag}:rest`);
  return match[1];
}

/** How this release names a model in its grant's token index (`<two letters>:<id>`); the releases before wrote the model's name. */
const FIELD_NAMES: Record<string, string> = {
  AccessToken: 'AT',
  AuthorizationCode: 'AC',
  RefreshToken: 'RT',
  DeviceCode: 'DC',
  BackchannelAuthenticationRequest: 'BA',
  PreAuthorizedCode: 'PA',
};

function near(actual: number, expected: number): boolean {
  return actual >= expected - 2 && actual <= expected;
}

function adapterContract(kind: 'redis' | 'redis-cluster' | 'memory', open: () => Store, cleanup: (prefix: string) => Promise<void>) {
  describe(`oidc adapter contract: ${kind}`, () => {
    const prefix = uniquePrefix(`adapter-${kind}`);
    const keyNames = createKeyNames(prefix);
    let store: Store;
    let factory: AdapterFactory;
    let n = 0;
    const id = (name: string) => `${name}-${(n += 1)}`;

    /** An adapter of the first hours after an upgrade: it still looks for the hash layout of the releases before. */
    const lookingForLegacy = () =>
      createAdapterFactory(store, keyNames, { legacyRecordsUntil: Infinity, legacyConsumablesUntil: Infinity, legacyGrantSetsUntil: Infinity });

    beforeAll(() => {
      store = open();
      factory = createAdapterFactory(store, keyNames);
    });
    afterAll(async () => {
      await store.close();
      await cleanup(prefix);
    });

    test('upsert then find returns the payload; the record has the TTL', async () => {
      const adapter = factory('AccessToken');
      const jti = id('at');
      const payload = { jti, accountId: 'acc', scope: 'openid', nested: { a: [1, 2] } };
      await adapter.upsert(jti, { ...payload, kind: 'AccessToken' }, 300);
      assert.deepEqual(await adapter.find(jti), payload, 'as stored: without its kind, which the key names (store/record-defaults.ts)');
      assert.ok(near(await store.ttl(keyNames.modelJson('AccessToken', jti)), 300));
      assert.equal(await adapter.find(id('missing')), undefined);
    });

    test('upsert without expiresIn stores without a TTL', async () => {
      const adapter = factory('Client');
      await adapter.upsert('client-a', { client_id: 'client-a' });
      assert.equal(await store.ttl(keyNames.modelJson('Client', 'client-a')), -1);
    });

    test('every model name round-trips', async () => {
      for (const model of MODELS) {
        const adapter = factory(model);
        const jti = id(model);
        const payload = { jti, grantId: 'g-rt', uid: 'u-rt', userCode: 'UC-RT', extra: model };
        await adapter.upsert(jti, { ...payload, kind: model }, 60);
        assert.deepEqual(await adapter.find(jti), payload, `${model} round-trip, its kind left out`);
        await adapter.destroy(jti);
        assert.equal(await adapter.find(jti), undefined, `${model} destroyed`);
      }
    });

    test('upsert replaces the previous payload', async () => {
      const adapter = factory('Grant');
      const gid = id('grant');
      await adapter.upsert(gid, { jti: gid, accountId: 'a', openid: { scope: 'openid' } }, 60);
      await adapter.upsert(gid, { jti: gid, accountId: 'a' }, 120);
      assert.deepEqual(await adapter.find(gid), { jti: gid, accountId: 'a' });
      assert.ok(near(await store.ttl(keyNames.modelJson('Grant', gid)), 120));
    });

    test('all writes of one upsert go into a single batch', async () => {
      const calls: string[] = [];
      const spy: Store = {
        ...store,
        batch: () => {
          calls.push('batch');
          return store.batch();
        },
        set: (...args) => {
          calls.push('set');
          return store.set(...args);
        },
        setIfAbsent: (...args) => {
          calls.push('setIfAbsent');
          return store.setIfAbsent(...args);
        },
        setIfEquals: (...args) => {
          calls.push('setIfEquals');
          return store.setIfEquals(...args);
        },
        hsetIfExists: (...args) => {
          calls.push('hsetIfExists');
          return store.hsetIfExists(...args);
        },
        del: (...args) => {
          calls.push('del');
          return store.del(...args);
        },
      };
      const spied = createAdapterFactory(spy, keyNames);
      const dc = id('dc');
      await spied('DeviceCode').upsert(dc, { jti: dc, grantId: id('g'), userCode: id('UC') }, 60);
      const sess = id('sess');
      await spied('Session').upsert(sess, { jti: sess, uid: id('uid') }, 60);
      assert.deepEqual(calls, ['batch', 'batch']);
    });

    test('destroying a record no index lists (an Interaction, a Grant) is one DEL, without reading it first', async () => {
      const calls: string[] = [];
      const spy: Store = {
        ...store,
        hgetall: (...args) => {
          calls.push('hgetall');
          return store.hgetall(...args);
        },
        batch: () => {
          calls.push('batch');
          return store.batch();
        },
        del: (...args) => {
          calls.push('del');
          return store.del(...args);
        },
      };
      const spied = createAdapterFactory(spy, keyNames);
      for (const model of ['Interaction', 'Grant']) {
        const uid = id(model);
        await spied(model).upsert(uid, { jti: uid, kind: model }, 60);
        calls.length = 0;
        await spied(model).destroy(uid);
        assert.deepEqual(calls, ['del'], model);
        assert.equal(await store.get(keyNames.modelJson(model, uid)), null, `${model} gone`);
      }
    });

    test('consume keeps the record, sets consumed (epoch seconds) in its use mark, which outlives the record by the margin', async () => {
      const adapter = factory('AuthorizationCode');
      const code = id('code');
      await adapter.upsert(code, { jti: code, grantId: id('g') }, 600);
      const before = Math.floor(Date.now() / 1000);
      await adapter.consume(code);
      const found = await adapter.find(code);
      assert.equal(found?.jti, code);
      assert.equal(typeof found?.consumed, 'number');
      assert.ok((found?.consumed ?? 0) >= before && (found?.consumed ?? 0) <= before + 2);
      assert.ok(near(await store.ttl(keyNames.modelJson('AuthorizationCode', code)), 600));
      assert.ok(near(await store.ttl(keyNames.modelUsed('AuthorizationCode', code)), 600 + USED_MARK_MARGIN_SECONDS), 'the mark outlives the record');
      assert.deepEqual(
        JSON.parse((await store.get(keyNames.modelJson('AuthorizationCode', code)))!),
        { grantId: found?.grantId },
        'the record is unchanged (its jti left out: the key names it)',
      );
    });

    test('consume of an absent id stores nothing', async () => {
      const adapter = factory('AuthorizationCode');
      const code = id('ghost');
      await adapter.consume(code);
      assert.equal(await adapter.find(code), undefined);
      for (const key of [
        keyNames.model('AuthorizationCode', code),
        keyNames.modelJson('AuthorizationCode', code),
        keyNames.modelUsed('AuthorizationCode', code),
      ])
        assert.equal(await store.ttl(key), -2, key);
    });

    test('findByUid finds a Session by its uid, not by another uid: its id kept in the session record, no uid index of its own', async () => {
      const adapter = factory('Session');
      const [sid, uid] = [id('sess'), id('uid')];
      const payload = { jti: sid, uid, accountId: 'acc' };
      await adapter.upsert(sid, payload, 120);
      assert.deepEqual(await createAdapterFactory(store, keyNames)('Session').findByUid(uid), payload, 'by another instance: from the store');
      assert.equal(await adapter.findByUid(id('other-uid')), undefined);
      assert.equal(await store.get(keyNames.sessionRecord(uid)), `\n${sid}`, 'the id as the second part; the assurance, not saved yet, the first');
      assert.ok(near(await store.ttl(keyNames.sessionRecord(uid)), 120));
      assert.equal(await store.ttl(keyNames.sessionUid(uid)), -2, 'no key of its own: 168 B less per session (store/session-record.ts)');
    });

    test("a Session's id and its assurance, written by two writers into one session record, each keep the other's part", async () => {
      const adapter = factory('Session');
      const [oldId, newId, uid] = [id('sess'), id('sess'), id('uid')];
      const record = keyNames.sessionRecord(uid);
      await adapter.upsert(oldId, { jti: oldId, uid }, 120);
      await store.batch().setPart(record, SESSION_ASSURANCE_PART, '[1,"assurance"]', 600).exec();
      assert.equal(await store.get(record), `[1,"assurance"]\n${oldId}`);
      assert.ok(near(await store.ttl(record), 600), 'as long as the longer of the two needs it');
      // Regenerated (oidc-provider: the old id destroyed, the new one saved, same uid).
      await adapter.destroy(oldId);
      await adapter.upsert(newId, { jti: newId, uid }, 120);
      assert.equal(await store.get(record), `[1,"assurance"]\n${newId}`, 'the assurance kept');
      assert.ok(near(await store.ttl(record), 600), "the session's shorter lifetime does not cut the assurance's");
      assert.equal((await createAdapterFactory(store, keyNames)('Session').findByUid(uid))?.jti, newId);
    });

    test('findByUid also reads the uid index of the releases before, in the same command, and takes whichever id names a record of that uid', async () => {
      const [sid, uid] = [id('sess'), id('uid')];
      await factory('Session').upsert(sid, { jti: sid, uid }, 120);
      await store.del(keyNames.sessionRecord(uid));
      await store.set(keyNames.sessionUid(uid), sid, 120);
      assert.equal((await createAdapterFactory(store, keyNames)('Session').findByUid(uid))?.jti, sid, 'saved by a release before');
      // The record names an id that is gone (an instance whose clock is behind wrote the index last): the index's id is taken.
      await store.batch().setPart(keyNames.sessionRecord(uid), SESSION_ID_PART, id('gone'), 120).exec();
      assert.equal((await createAdapterFactory(store, keyNames)('Session').findByUid(uid))?.jti, sid);
    });

    test("within the window after an upgrade, a Session's id goes to the uid index the releases before read, and the session record stays what they read", async () => {
      const duringWindow = createAdapterFactory(store, keyNames, { sessionUidIndexUntil: Infinity })('Session');
      const [sid, uid] = [id('sess'), id('uid')];
      await store.batch().setPart(keyNames.sessionRecord(uid), SESSION_ASSURANCE_PART, '[1,"assurance"]', 600).exec();
      await duringWindow.upsert(sid, { jti: sid, uid }, 120);
      assert.equal(await store.get(keyNames.sessionUid(uid)), sid);
      assert.ok(near(await store.ttl(keyNames.sessionUid(uid)), 120));
      assert.equal(await store.get(keyNames.sessionRecord(uid)), '[1,"assurance"]', 'no second part: the text those releases parse');
      assert.equal((await factory('Session').findByUid(uid))?.jti, sid, 'found by an instance past the window');
      await duringWindow.destroy(sid);
      assert.equal(await store.ttl(keyNames.sessionUid(uid)), -2, 'cleaned as those releases clean it');
    });

    test('findByUid ignores a stale index (record gone or owned by another uid)', async () => {
      const adapter = factory('Session');
      const [sid, uid, staleUid] = [id('sess'), id('uid'), id('stale-uid')];
      await adapter.upsert(sid, { jti: sid, uid }, 120);
      await store.set(keyNames.sessionUid(staleUid), sid, 60);
      assert.equal(await adapter.findByUid(staleUid), undefined);
      const dangling = id('dangling-uid');
      await store.set(keyNames.sessionUid(dangling), id('no-such-session'), 60);
      assert.equal(await adapter.findByUid(dangling), undefined);
    });

    test('findByUid reads the uid index once per session and process: then the session id it learned, checked against the record', async () => {
      const reads: string[] = [];
      const counting: Store = {
        ...store,
        get: (key) => {
          reads.push(key);
          return store.get(key);
        },
        mget: (keys) => {
          reads.push(keys.join(' '));
          return store.mget(keys);
        },
      };
      const instance = createAdapterFactory(counting, keyNames);
      const [sid, uid, seenUid] = [id('sess'), id('uid'), id('uid')];
      await instance('Session').upsert(sid, { jti: sid, uid }, 120);
      assert.equal((await instance('Session').findByUid(uid))?.jti, sid);
      assert.deepEqual(reads, [keyNames.modelJson('Session', sid)], 'saved here: the record only');

      // Saved by another instance: the session record (and the index of the releases before, same command) once, then the Session only.
      const other = id('sess');
      await factory('Session').upsert(other, { jti: other, uid: seenUid }, 120);
      reads.length = 0;
      assert.equal((await instance('Session').findByUid(seenUid))?.jti, other);
      assert.equal((await instance('Session').findByUid(seenUid))?.jti, other);
      assert.deepEqual(reads, [
        `${keyNames.sessionRecord(seenUid)} ${keyNames.sessionUid(seenUid)}`,
        keyNames.modelJson('Session', other),
        keyNames.modelJson('Session', other),
      ]);
    });

    test('a session regenerated or ended by another instance is found, or not, as the store says: the id known here is never trusted alone', async () => {
      const [here, elsewhere] = [createAdapterFactory(store, keyNames)('Session'), createAdapterFactory(store, keyNames)('Session')];
      const [oldId, newId, uid] = [id('old'), id('new'), id('uid')];
      await here.upsert(oldId, { jti: oldId, uid, accountId: 'acc' }, 120);
      assert.equal((await here.findByUid(uid))?.jti, oldId);
      // As oidc-provider regenerates a session (resume, a partial logout): the old id destroyed, the new one saved, same uid.
      await elsewhere.destroy(oldId);
      await elsewhere.upsert(newId, { jti: newId, uid, accountId: 'acc' }, 120);
      assert.equal((await here.findByUid(uid))?.jti, newId, 'the known id is gone: the index is read');
      await elsewhere.destroy(newId);
      assert.equal(await here.findByUid(uid), undefined, 'ended elsewhere: not found here');
      // A record under the known id that has another uid by now is not taken for this session.
      const [reused, otherUid] = [id('sess'), id('uid')];
      await here.upsert(reused, { jti: reused, uid: otherUid }, 120);
      await store.set(keyNames.modelJson('Session', reused), JSON.stringify({ jti: reused, uid: id('uid') }), 120);
      assert.equal(await here.findByUid(otherUid), undefined);
    });

    test('findByUserCode finds a DeviceCode; a stale index finds nothing', async () => {
      const adapter = factory('DeviceCode');
      const [dc, code] = [id('dc'), id('ABCD-EFGH')];
      await adapter.upsert(dc, { jti: dc, userCode: code, grantId: id('g') }, 600);
      assert.equal((await adapter.findByUserCode(code))?.jti, dc);
      const stale = id('WXYZ');
      await store.set(keyNames.userCode(stale), dc, 60);
      assert.equal(await adapter.findByUserCode(stale), undefined);
      assert.equal(await adapter.findByUserCode(id('never')), undefined);
    });

    test('destroy removes the record and its indexes', async () => {
      const sessions = factory('Session');
      const [sid, uid] = [id('sess'), id('uid')];
      await sessions.upsert(sid, { jti: sid, uid }, 120);
      await sessions.destroy(sid);
      assert.equal(await sessions.find(sid), undefined);
      assert.equal(await createAdapterFactory(store, keyNames)('Session').findByUid(uid), undefined, 'the id its session record keeps names no record');
      assert.equal(await store.ttl(keyNames.sessionUid(uid)), -2);

      const devices = factory('DeviceCode');
      const [dc, code, gid] = [id('dc'), id('UC'), id('g')];
      await devices.upsert(dc, { jti: dc, userCode: code, grantId: gid }, 600);
      await devices.destroy(dc);
      assert.equal(await store.ttl(keyNames.userCode(code)), -2);
      assert.deepEqual(await store.hkeys(keyNames.grantTokenIndex(gid)), []);
      await devices.destroy(dc); // destroying twice is harmless

      // Listed by the previous release too (a rolling upgrade): destroyed, it leaves neither index.
      const [rt, grant] = [id('rt'), id('g')];
      await lookingForLegacy()('RefreshToken').upsert(rt, { jti: rt, grantId: grant }, 600);
      assert.deepEqual(await store.smembers(keyNames.legacyGrantTokens(grant)), [keyNames.modelJson('RefreshToken', rt)]);
      await factory('RefreshToken').destroy(rt);
      assert.deepEqual(await store.hkeys(keyNames.grantTokenIndex(grant)), []);
      assert.deepEqual(await store.smembers(keyNames.legacyGrantTokens(grant)), []);
    });

    test('destroying a regenerated Session keeps the new session findable by uid', async () => {
      const adapter = factory('Session');
      const [oldId, newId, uid] = [id('old'), id('new'), id('uid')];
      await adapter.upsert(oldId, { jti: oldId, uid }, 120);
      await adapter.upsert(newId, { jti: newId, uid }, 120);
      await adapter.destroy(oldId);
      assert.equal((await adapter.findByUid(uid))?.jti, newId);
    });

    test('revokeByGrantId removes every token of the grant, not those of another grant', async () => {
      const [g1, g2] = [id('grant'), id('grant')];
      const issued: Array<[string, string, string]> = [
        ['AccessToken', id('at'), g1],
        ['RefreshToken', id('rt'), g1],
        ['AuthorizationCode', id('ac'), g1],
        ['DeviceCode', id('dc'), g1],
        ['BackchannelAuthenticationRequest', id('ciba'), g1],
        ['AccessToken', id('at'), g2],
      ];
      for (const [model, jti, grantId] of issued) await factory(model).upsert(jti, { jti, grantId }, 300);
      assert.deepEqual(
        (await store.hkeys(keyNames.grantTokenIndex(g1))).sort(),
        issued
          .filter(([, , g]) => g === g1)
          .map(([model, jti]) => `${FIELD_NAMES[model]}:${jti}`)
          .sort(),
      );
      assert.equal(await store.ttl(keyNames.legacyGrantTokens(g1)), -2, 'out of the upgrade window: not in the set of the releases before');

      await factory('AccessToken').revokeByGrantId(g1);
      for (const [model, jti, grantId] of issued) {
        const found = await factory(model).find(jti);
        if (grantId === g1) assert.equal(found, undefined, `${model} of the revoked grant`);
        else assert.equal(found?.jti, jti, `${model} of the other grant`);
      }
      assert.equal(await store.ttl(keyNames.grantTokenIndex(g1)), -2);
      assert.deepEqual(await store.hkeys(keyNames.grantTokenIndex(g2)), [`AT:${issued[5]![1]}`]);
      await factory('AccessToken').revokeByGrantId(id('unknown-grant'));
    });

    test('a token the previous release listed in its set (a rolling upgrade, a rollback) dies with its grant, as do those of the index', async () => {
      const [gid, before, after] = [id('grant'), id('rt'), id('at')];
      // What the previous release writes: the token as JSON text, listed in the set by its key.
      await store
        .batch()
        .sadd(keyNames.legacyGrantTokens(gid), [keyNames.modelJson('RefreshToken', before), 'not-a-key-of-ours'], 300)
        .set(keyNames.modelJson('RefreshToken', before), JSON.stringify({ jti: before, grantId: gid }), 300)
        .set(keyNames.modelUsed('RefreshToken', before), '1700000000', 360)
        .exec();
      await factory('AccessToken').upsert(after, { jti: after, grantId: gid }, 300);
      await factory('AccessToken').revokeByGrantId(gid);
      assert.equal(await factory('RefreshToken').find(before), undefined);
      assert.equal(await factory('AccessToken').find(after), undefined);
      for (const key of [keyNames.modelUsed('RefreshToken', before), keyNames.legacyGrantTokens(gid), keyNames.grantTokenIndex(gid)])
        assert.equal(await store.ttl(key), -2, key);
    });

    test('within the upgrade window a token is also listed in the set of the releases before, so that their revocation deletes it; after it, only in the index', async () => {
      const [gid, rt] = [id('grant'), id('rt')];
      const windowOpen = createAdapterFactory(store, keyNames, { longestTokenSeconds: 7200, legacyGrantSetsUntil: Date.now() + 60_000 });
      await windowOpen('RefreshToken').upsert(rt, { jti: rt, grantId: gid }, 3600);
      assert.deepEqual(await store.smembers(keyNames.legacyGrantTokens(gid)), [keyNames.modelJson('RefreshToken', rt)]);
      assert.ok(near(await store.ttl(keyNames.legacyGrantTokens(gid)), 7200), 'the set lives as long as the index');
      // The previous release revokes the grant: it deletes what its set lists (and its use mark).
      const members = await store.smembers(keyNames.legacyGrantTokens(gid));
      await store.del(...members, ...members.map((m) => m.replace(/:json$/, ':used')), keyNames.legacyGrantTokens(gid));
      assert.equal(await factory('RefreshToken').find(rt), undefined, 'the token is gone for this release too');

      const [later, windowClosed] = [id('rt'), createAdapterFactory(store, keyNames, { legacyGrantSetsUntil: Date.now() - 1 })];
      await windowClosed('RefreshToken').upsert(later, { jti: later, grantId: gid }, 3600);
      assert.equal(await store.ttl(keyNames.legacyGrantTokens(gid)), -2);
      assert.ok((await store.hkeys(keyNames.grantTokenIndex(gid))).includes(`RT:${later}`));
    });

    test("tokens the releases before listed in the index under their model's name die with their grant, as do those listed in two letters", async () => {
      const [gid, before, code, after] = [id('grant'), id('rt'), id('ac'), id('at')];
      // What the previous release writes: the token as JSON text and its use mark, listed by its model's name.
      await store
        .batch()
        .hset(keyNames.grantTokenIndex(gid), { [`RefreshToken:${before}`]: '', [`AuthorizationCode:${code}`]: '', 'NotAModel:x': '' }, 300)
        .set(keyNames.modelJson('RefreshToken', before), JSON.stringify({ jti: before, grantId: gid }), 300)
        .set(keyNames.modelUsed('RefreshToken', before), '1700000000', 360)
        .set(keyNames.modelJson('AuthorizationCode', code), JSON.stringify({ jti: code, grantId: gid }), 300)
        .exec();
      await factory('AccessToken').upsert(after, { jti: after, grantId: gid }, 300);
      assert.deepEqual((await store.hkeys(keyNames.grantTokenIndex(gid))).sort(), [
        `AT:${after}`,
        `AuthorizationCode:${code}`,
        'NotAModel:x',
        `RefreshToken:${before}`,
      ]);
      await factory('AccessToken').revokeByGrantId(gid);
      assert.equal(await factory('RefreshToken').find(before), undefined);
      assert.equal(await factory('AuthorizationCode').find(code), undefined);
      assert.equal(await factory('AccessToken').find(after), undefined);
      for (const key of [keyNames.modelUsed('RefreshToken', before), keyNames.grantTokenIndex(gid)]) assert.equal(await store.ttl(key), -2, key);
    });

    test("within the upgrade window a token is listed under its model's name, which the releases before read; after it, in two letters; destroyed, it leaves the index either way", async () => {
      const [gid, during, after] = [id('grant'), id('rt'), id('rt')];
      const windowOpen = createAdapterFactory(store, keyNames, { longTokenFieldsUntil: Date.now() + 60_000 });
      await windowOpen('RefreshToken').upsert(during, { jti: during, grantId: gid }, 3600);
      await factory('RefreshToken').upsert(after, { jti: after, grantId: gid }, 3600);
      assert.deepEqual((await store.hkeys(keyNames.grantTokenIndex(gid))).sort(), [`RT:${after}`, `RefreshToken:${during}`]);
      // Listed in the window, destroyed after it (and the other way round): the index forgets both.
      await factory('RefreshToken').destroy(during);
      await windowOpen('RefreshToken').destroy(after);
      assert.deepEqual(await store.hkeys(keyNames.grantTokenIndex(gid)), []);
    });

    test('the grant token index lives at least as long as its longest token', async () => {
      const gid = id('grant');
      await factory('AccessToken').upsert(id('at'), { grantId: gid }, 60);
      assert.ok(near(await store.ttl(keyNames.grantTokenIndex(gid)), 60));
      await factory('RefreshToken').upsert(id('rt'), { grantId: gid }, 3600);
      assert.ok(near(await store.ttl(keyNames.grantTokenIndex(gid)), 3600));
      await factory('AccessToken').upsert(id('at'), { grantId: gid }, 60);
      assert.ok(near(await store.ttl(keyNames.grantTokenIndex(gid)), 3600));
    });

    test('with the longest token lifetime known, the grant token index lives that long from its last write (one EXPIRE), and a longer token still lengthens it', async () => {
      const known = createAdapterFactory(store, keyNames, { longestTokenSeconds: 7200 });
      const gid = id('grant');
      await known('AuthorizationCode').upsert(id('code'), { grantId: gid }, 60);
      assert.ok(near(await store.ttl(keyNames.grantTokenIndex(gid)), 7200), 'a code alone: the index already outlives any token to come');
      await known('AccessToken').upsert(id('at'), { grantId: gid }, 600);
      assert.ok(near(await store.ttl(keyNames.grantTokenIndex(gid)), 7200));
      await known('RefreshToken').upsert(id('rt'), { grantId: gid }, 9000);
      assert.ok(near(await store.ttl(keyNames.grantTokenIndex(gid)), 9000), 'a token longer than announced: lengthened to it');
      await known('AccessToken').upsert(id('at'), { grantId: gid }, 600);
      assert.ok(near(await store.ttl(keyNames.grantTokenIndex(gid)), 9000), 'and from then on the longest: the index still outlives the 9000 s token');
    });

    test('keys are hash-tagged: grant with its token index, interaction with its ceremony state', async () => {
      const gid = id('grant');
      const grantKey = keyNames.model('Grant', gid);
      assert.equal(grantKey, `${prefix}{g:${gid}}:Grant`);
      assert.equal(tagOf(keyNames, grantKey), tagOf(keyNames, keyNames.grantTokenIndex(gid)));
      assert.equal(tagOf(keyNames, grantKey), tagOf(keyNames, keyNames.legacyGrantTokens(gid)));

      const uid = id('interaction');
      const interactionKey = keyNames.model('Interaction', uid);
      assert.equal(interactionKey, `${prefix}{i:${uid}}:Interaction`);
      assert.equal(tagOf(keyNames, interactionKey), tagOf(keyNames, keyNames.interaction(uid, 'x')));

      assert.equal(tagOf(keyNames, keyNames.model('AccessToken', 'abc')), 'AccessToken:abc');

      assert.equal(tagOf(keyNames, keyNames.modelJson('Grant', gid)), tagOf(keyNames, grantKey), 'a whole record and its former hash share a slot');
      await factory('Grant').upsert(gid, { jti: gid }, 60);
      await factory('Interaction').upsert(uid, { jti: uid }, 60);
      assert.notEqual(await store.get(keyNames.modelJson('Grant', gid)), null, 'the Grant is stored under keyNames.modelJson');
      assert.notEqual(await store.get(keyNames.modelJson('Interaction', uid)), null, 'the Interaction is stored under keyNames.modelJson');
    });

    test('an Interaction is read once per request; its save and destroy in the request are seen, other models are read each time', async () => {
      let reads = 0;
      const counting = new Proxy(store, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver) as unknown;
          if ((name !== 'get' && name !== 'hgetall') || typeof value !== 'function') return value;
          return (key: string) => {
            reads += 1;
            return (value as (key: string) => unknown).call(target, key);
          };
        },
      });
      const interactions = createAdapterFactory(counting, keyNames)('Interaction');
      const sessions = createAdapterFactory(counting, keyNames)('Session');
      const [uid, sid] = [id('interaction'), id('sess')];
      await interactions.upsert(uid, { jti: uid, prompt: 'login' }, 60);
      await sessions.upsert(sid, { jti: sid, uid: id('uid') }, 60);
      await asOneRequest(async () => {
        const first = await interactions.find(uid);
        first!.prompt = 'changed by the caller';
        assert.equal((await interactions.find(uid))?.prompt, 'login', 'a copy of the first read, untouched by its caller');
        assert.equal(reads, 1);
        await interactions.upsert(uid, { jti: uid, prompt: 'login', result: { login: { accountId: '8123' } } }, 60);
        assert.deepEqual((await interactions.find(uid))?.result, { login: { accountId: '8123' } }, 'the save is seen');
        assert.equal(reads, 2);
        await interactions.destroy(uid);
        assert.equal(await interactions.find(uid), undefined, 'the destroy is seen');
        await sessions.find(sid);
        await sessions.find(sid);
        assert.equal(reads, 5, 'a Session is read each time (and destroy read no Interaction first)');
      });
      await interactions.upsert(uid, { jti: uid, prompt: 'consent' }, 60);
      assert.equal((await asOneRequest(() => interactions.find(uid)))?.prompt, 'consent', 'another request reads it afresh');
    });

    test('a damaged record is reported with its key, and destroy still removes it', async () => {
      const adapter = lookingForLegacy()('Session');
      const sid = id('sess');
      const key = keyNames.model('Session', sid);
      await store.batch().hsetAll(key, { payload: '{not json' }, 60).exec();
      await assert.rejects(adapter.find(sid), (e: Error) => e.name === 'StoredRecordError' && e.message.includes(key));
      await adapter.destroy(sid);
      assert.equal(await store.ttl(key), -2);

      const textKey = keyNames.modelJson('Session', sid);
      await store.set(textKey, '[1, 2]', 60);
      await assert.rejects(adapter.find(sid), (e: Error) => e.name === 'StoredRecordError' && e.message.includes(textKey) && e.message.includes('an array'));
      await adapter.destroy(sid);
      assert.equal(await store.ttl(textKey), -2);
    });

    test('a record is JSON text under its own key, one write; a consumed one has its use mark beside it', async () => {
      const calls: string[] = [];
      const spy: Store = {
        ...store,
        batch: () => {
          const batch = store.batch();
          const spied = { ...batch };
          for (const name of ['set', 'hsetAll', 'sadd'] as const) {
            (spied as Record<string, unknown>)[name] = (...args: unknown[]) => {
              calls.push(name);
              (batch[name] as (...a: unknown[]) => unknown)(...args);
              return spied;
            };
          }
          return spied;
        },
      };
      const spied = createAdapterFactory(spy, keyNames);
      for (const model of ['Session', 'Interaction', 'Grant', 'AccessToken', 'ClientCredentials']) {
        const jti = id(model);
        calls.length = 0;
        await spied(model).upsert(jti, { jti, kind: model }, 90);
        assert.deepEqual(calls, ['set'], `${model}: one SET`);
        assert.deepEqual(JSON.parse((await store.get(keyNames.modelJson(model, jti)))!), {}, `${model}: its kind and jti left out (the key names them)`);
        assert.ok(near(await store.ttl(keyNames.modelJson(model, jti)), 90), `${model} TTL`);
        assert.equal(await store.ttl(keyNames.model(model, jti)), -2, `${model}: no hash`);
      }
      const code = id('code');
      calls.length = 0;
      await spied('AuthorizationCode').upsert(code, { jti: code }, 60);
      assert.deepEqual(calls, ['set'], 'a code: one SET');
      assert.equal(await store.ttl(keyNames.model('AuthorizationCode', code)), -2, 'a code: no hash');
      await factory('AuthorizationCode').consume(code);
      assert.match((await store.get(keyNames.modelUsed('AuthorizationCode', code)))!, /^\d+$/, 'its use mark: when it was consumed');
      await assert.rejects(factory('Session').consume(id('sess')), /expected consume\(\) only for models oidc-provider consumes, got it for Session/);
    });

    test('a whole record written as a hash by the previous release is found, moved to JSON text with the TTL it had left, its hash deleted', async () => {
      const adapter = lookingForLegacy()('Session');
      const [sid, uid] = [id('sess'), id('uid')];
      const payload = { jti: sid, uid, accountId: 'acc-legacy' };
      const legacy = keyNames.model('Session', sid);
      await store
        .batch()
        .hsetAll(legacy, { payload: JSON.stringify(payload) }, 200)
        .exec();
      await store.set(keyNames.sessionUid(uid), sid, 200);

      assert.deepEqual(await adapter.findByUid(uid), payload);
      assert.equal(await store.ttl(legacy), -2, 'the hash is gone: an instance of the previous release finds no stale copy');
      const { jti: _jti, ...moved } = payload;
      assert.deepEqual(JSON.parse((await store.get(keyNames.modelJson('Session', sid)))!), moved, 'moved, its jti left out (the key names it)');
      assert.ok(near(await store.ttl(keyNames.modelJson('Session', sid)), 200), 'the TTL it had left, not a new one');
      assert.deepEqual(await adapter.find(sid), payload, 'found again, now as JSON text');

      const unmoved = id('sess');
      await store
        .batch()
        .hsetAll(keyNames.model('Session', unmoved), { payload: JSON.stringify({ jti: unmoved, uid: id('uid') }) }, 200)
        .exec();
      await adapter.destroy(unmoved);
      assert.equal(await store.ttl(keyNames.model('Session', unmoved)), -2, 'destroy removes a hash not yet moved');
    });

    test('a token listed in its grant under its hash key from the previous release is revoked with the grant after it moved', async () => {
      const [gid, at] = [id('grant'), id('at')];
      const legacy = keyNames.model('AccessToken', at);
      await store
        .batch()
        .sadd(keyNames.legacyGrantTokens(gid), [legacy], 300)
        .hsetAll(legacy, { payload: JSON.stringify({ jti: at, grantId: gid }) }, 300)
        .exec();
      assert.equal((await lookingForLegacy()('AccessToken').find(at))?.jti, at, 'read once: moved to JSON text');
      assert.notEqual(await store.get(keyNames.modelJson('AccessToken', at)), null);
      assert.deepEqual(
        (await store.smembers(keyNames.legacyGrantTokens(gid))).sort(),
        [legacy, keyNames.modelJson('AccessToken', at)].sort(),
        'listed under both keys: the previous release, deleting what the grant lists, deletes the moved copy too',
      );
      assert.deepEqual(await store.hkeys(keyNames.grantTokenIndex(gid)), [`AT:${at}`], 'and in the index');

      await factory('AccessToken').revokeByGrantId(gid);
      assert.equal(await factory('AccessToken').find(at), undefined, 'the moved token dies with its grant');
      assert.equal(await store.ttl(keyNames.modelJson('AccessToken', at)), -2);
    });

    test('a code or refresh token of the previous release (a hash) is found and moved within its window, consumed if it was: never replayable', async () => {
      const [gid, code, rt, fresh] = [id('grant'), id('code'), id('rt'), id('rt')];
      const legacy = (model: string, jti: string) => keyNames.model(model, jti);
      await store
        .batch()
        .sadd(keyNames.legacyGrantTokens(gid), [legacy('AuthorizationCode', code), legacy('RefreshToken', rt), legacy('RefreshToken', fresh)], 300)
        .hsetAll(legacy('AuthorizationCode', code), { payload: JSON.stringify({ jti: code, grantId: gid }), consumed: '1700000000' }, 120)
        .hsetAll(legacy('RefreshToken', rt), { payload: JSON.stringify({ jti: rt, grantId: gid }), consumed: '1700000000' }, 300)
        .hsetAll(legacy('RefreshToken', fresh), { payload: JSON.stringify({ jti: fresh, grantId: gid }) }, 300)
        .exec();
      assert.equal(await factory('AuthorizationCode').find(code), undefined, 'out of its window: not looked for');

      const upgraded = lookingForLegacy();
      assert.deepEqual(await upgraded('AuthorizationCode').find(code), { jti: code, grantId: gid, consumed: 1700000000 }, 'a consumed code stays consumed');
      assert.equal(await store.ttl(legacy('AuthorizationCode', code)), -2, 'the hash is gone');
      assert.ok(near(await store.ttl(keyNames.modelJson('AuthorizationCode', code)), 120), 'the TTL it had left');
      assert.ok(near(await store.ttl(keyNames.modelUsed('AuthorizationCode', code)), 120 + USED_MARK_MARGIN_SECONDS));
      assert.equal((await factory('AuthorizationCode').find(code))?.consumed, 1700000000, 'and so it reads from now on, in any window');
      assert.equal((await upgraded('RefreshToken').find(rt))?.consumed, 1700000000);
      assert.equal((await upgraded('RefreshToken').find(fresh))?.consumed, undefined, 'an unconsumed one stays unconsumed');
      assert.equal(await store.get(keyNames.modelUsed('RefreshToken', fresh)), null);

      await factory('RefreshToken').revokeByGrantId(gid);
      for (const [model, jti] of [
        ['AuthorizationCode', code],
        ['RefreshToken', rt],
        ['RefreshToken', fresh],
      ] as const) {
        assert.equal(await upgraded(model).find(jti), undefined, `${model} ${jti} dies with its grant`);
        for (const key of [legacy(model, jti), keyNames.modelJson(model, jti), keyNames.modelUsed(model, jti)]) assert.equal(await store.ttl(key), -2, key);
      }
    });

    test('a consumption by another instance (which did not read the record) marks it for as long as it lives', async () => {
      const code = id('code');
      await factory('AuthorizationCode').upsert(code, { jti: code }, 120);
      await createAdapterFactory(store, keyNames)('AuthorizationCode').consume(code);
      assert.ok(near(await store.ttl(keyNames.modelUsed('AuthorizationCode', code)), 120 + USED_MARK_MARGIN_SECONDS), "from the record's TTL in Redis");
      assert.equal(typeof (await factory('AuthorizationCode').find(code))?.consumed, 'number');
    });

    test('out of the upgrade window, a miss is one read: a hash of the previous release is not looked for', async () => {
      let reads = 0;
      const counting: Store = {
        ...store,
        get: (key) => ((reads += 1), store.get(key)),
        hgetall: (key) => ((reads += 1), store.hgetall(key)),
      };
      const past = createAdapterFactory(counting, keyNames, { legacyRecordsUntil: Date.now() - 1 });
      const sid = id('sess');
      await store
        .batch()
        .hsetAll(keyNames.model('Session', sid), { payload: JSON.stringify({ jti: sid }) }, 60)
        .exec();
      assert.equal(await past('Session').find(sid), undefined);
      assert.equal(await createAdapterFactory(counting, keyNames)('AccessToken').find(id('at')), undefined, 'an access token probed by introspection');
      assert.equal(reads, 2, 'one GET each, no HGETALL');
      assert.notEqual(await store.hgetall(keyNames.model('Session', sid)), null, 'left alone');
      await past('Session').destroy(sid);
      assert.equal(await store.ttl(keyNames.model('Session', sid)), -2, 'destroy still removes it');
    });

    test('moving a hash from the previous release keeps a newer JSON save of the same record', async () => {
      const adapter = lookingForLegacy()('Grant');
      const gid = id('grant');
      await store
        .batch()
        .hsetAll(keyNames.model('Grant', gid), { payload: JSON.stringify({ jti: gid, accountId: 'old' }) }, 300)
        .exec();
      await adapter.upsert(gid, { jti: gid, accountId: 'new' }, 300);
      assert.equal((await adapter.find(gid))?.accountId, 'new');
      await adapter.destroy(gid);
      assert.equal(await store.ttl(keyNames.model('Grant', gid)), -2, 'destroy removes both layouts');
      assert.equal(await adapter.find(gid), undefined);
    });
  });
}

adapterContract(
  'redis',
  () => createRedisStore(createRedisConnection({ url: TEST_REDIS_URL })),
  (prefix) => deletePrefix(prefix),
);
if (TEST_REDIS_CLUSTER_NODES) {
  const nodes = TEST_REDIS_CLUSTER_NODES;
  adapterContract('redis-cluster', () => createRedisStore(createRedisConnection({ clusterNodes: nodes })), deleteClusterPrefix);
}
adapterContract(
  'memory',
  () => createMemoryStore(),
  async () => {},
);
