/**
 * oidc-provider itself on top of the adapter and the Redis store: its models save, find,
 * consume and revoke through our records (a reused code is seen as consumed); what a record
 * leaves out is read the same, also by a release that does not put it back; a record is stored
 * without its jti and read with its key's id, except during the window after an upgrade from a
 * release that does not (whose instances still read them); a code is refused at its exchange once
 * its grant is revoked.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createAdapterFactory } from '../../src/store/oidc-adapter.ts';
import { createRedisConnection } from '../../src/store/redis-connection.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { Store } from '../../src/store/store.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';
import { diagnostic } from '../support/diagnostic.ts';
import { Redis } from 'ioredis';
import { decodeJwt } from 'jose';

/** The few Provider members this test touches (oidc-provider ships no types). */
interface Model {
  jti: string;
  kind: string;
  iat?: number;
  iiat?: number;
  rotations?: number;
  consumed?: number;
  accountId?: string;
  uid?: string;
  claims?: unknown;
  save(ttl?: number): Promise<string>;
  consume(): Promise<void>;
  destroy(): Promise<void>;
  addOIDCScope(scope: string): void;
  getOIDCScope(): string;
  getRejectedOIDCScope(): string;
}
interface ModelClass {
  new (payload: Record<string, unknown>): Model;
  find(id: string): Promise<Model | undefined>;
  findByUid(uid: string): Promise<Model | undefined>;
  revokeByGrantId(grantId: string): Promise<void>;
}
interface ProviderLike {
  AuthorizationCode: ModelClass;
  AccessToken: ModelClass;
  RefreshToken: ModelClass;
  Session: ModelClass;
  Grant: ModelClass;
  Client: { find(id: string): Promise<unknown> };
  callback(): (req: unknown, res: unknown) => void;
}
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => ProviderLike;

describe('oidc-provider over the Redis adapter', () => {
  const prefix = uniquePrefix('oidc-provider');
  const keyNames = createKeyNames(prefix);
  let store: Store;
  let provider: ProviderLike;
  let client: unknown;

  /**
   * The same provider over an adapter that reads the stored text as the release before this one
   * did: a record without `jti` with its key's id, nothing else put back.
   */
  let asBefore: ProviderLike;
  /** The same provider during the window after an upgrade from a release that does not read a record without `jti` (AdapterOptions.recordIdsKeptUntil). */
  let duringUpgrade: ProviderLike;
  let server: Server;
  let tokenEndpoint: string;

  beforeAll(async () => {
    const specifier = 'oidc-provider';
    const { Provider } = (await import(specifier)) as { Provider: ProviderClass };
    store = createRedisStore(createRedisConnection({ url: TEST_REDIS_URL }));
    const configuration = (adapter: unknown) => ({
      adapter,
      clients: [
        { client_id: 'demo-dpi', client_secret: 'secret', redirect_uris: ['http://localhost:3002/cb'], grant_types: ['authorization_code', 'refresh_token'] },
      ],
      features: { devInteractions: { enabled: false } },
      ttl: { Grant: 600, AccessToken: 60, AuthorizationCode: 60, Session: 300, Interaction: 300, RefreshToken: 600 },
      rotateRefreshToken: () => true,
    });
    provider = new Provider('http://localhost:0', configuration(createAdapterFactory(store, keyNames)));
    asBefore = new Provider(
      'http://localhost:0',
      configuration((model: string) => ({
        find: async (id: string) => {
          const text = await store.get(keyNames.modelJson(model, id));
          return text === null ? undefined : { jti: id, ...(JSON.parse(text) as Record<string, unknown>) };
        },
      })),
    );
    duringUpgrade = new Provider('http://localhost:0', configuration(createAdapterFactory(store, keyNames, { recordIdsKeptUntil: Date.now() + 3_600_000 })));
    client = await provider.Client.find('demo-dpi');
    assert.ok(client, 'the static client is found');
    server = createServer(provider.callback() as Parameters<typeof createServer>[0]);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tokenEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await deletePrefix(prefix);
  });

  /** POST /token as demo-dpi; the status and the JSON reply. */
  const tokenRequest = async (params: Record<string, string>) => {
    const response = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('demo-dpi:secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  /** What Redis holds for a record, parsed. */
  const stored = async (model: string, id: string) => JSON.parse((await store.get(keyNames.modelJson(model, id)))!) as Record<string, unknown>;
  const grantWithOpenid = async (accountId: string) => {
    const grant = new provider.Grant({ accountId, clientId: 'demo-dpi' });
    grant.addOIDCScope('openid');
    return grant.save();
  };

  test('Grant and Session save and find', async () => {
    const grant = new provider.Grant({ accountId: 'acc-1', clientId: 'demo-dpi' });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    assert.equal((await provider.Grant.find(grantId))?.accountId, 'acc-1');
    assert.notEqual(await store.get(keyNames.modelJson('Grant', grantId)), null, 'a Grant is saved whole, as JSON text');

    const session = new provider.Session({ accountId: 'acc-1' });
    await session.save(300);
    assert.equal((await provider.Session.find(session.jti))?.accountId, 'acc-1');
    assert.equal((await provider.Session.findByUid(session.uid ?? ''))?.jti, session.jti);
    const ttl = await store.ttl(keyNames.modelJson('Session', session.jti));
    assert.ok(ttl > 290 && ttl <= 300, `expected the Session TTL near 300, got ${ttl}`);
  });

  test('an authorization code is found, consumed, and found again as consumed', async () => {
    const grant = new provider.Grant({ accountId: 'acc-2', clientId: 'demo-dpi' });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    const code = new provider.AuthorizationCode({
      client,
      grantId,
      accountId: 'acc-2',
      scope: 'openid',
      redirectUri: 'http://localhost:3002/cb',
    });
    const value = await code.save();
    const found = await provider.AuthorizationCode.find(value);
    assert.ok(found, 'the saved code is found');
    assert.equal(found.consumed, undefined);
    await found.consume();
    const again = await provider.AuthorizationCode.find(value);
    assert.equal(typeof again?.consumed, 'number', 'a reused code is seen as consumed');
  });

  test('revokeByGrantId through the models removes the grant tokens', async () => {
    const grantId = 'grant-revoke';
    const token = new provider.AccessToken({ client, grantId, accountId: 'acc-3', scope: 'openid' });
    const value = await token.save();
    assert.ok(await provider.AccessToken.find(value));
    await provider.AccessToken.revokeByGrantId(grantId);
    assert.equal(await provider.AccessToken.find(value), undefined);
  });

  test('a record leaves out what oidc-provider reads the same without it: read back, and by a release that does not put it back, it is the same', async () => {
    const grantId = await grantWithOpenid('acc-4');
    const grant = (await provider.Grant.find(grantId))!;
    assert.equal(grant.getRejectedOIDCScope(), '', 'reading the rejected scopes gives the grant an empty `rejected`');
    await grant.save();
    const refreshToken = new provider.RefreshToken({ client, grantId, accountId: 'acc-4', scope: 'openid', gty: 'authorization_code', rotations: 0 });
    const value = await refreshToken.save();
    const session = new provider.Session({ accountId: 'acc-4' });
    await session.save(300);

    const rt = await stored('RefreshToken', value);
    assert.equal(typeof rt.iat, 'number');
    for (const field of ['kind', 'iiat', 'rotations']) assert.equal(field in rt, false, `a refresh token's ${field} (${String(rt[field])}) is not stored`);
    for (const [model, id] of [
      ['Grant', grantId],
      ['Session', session.jti],
    ] as const) {
      const record = await stored(model, id);
      assert.equal('kind' in record, false, `a ${model}'s kind is not stored`);
      assert.equal('jti' in record, false, `a ${model}'s jti is not stored: its key names it`);
    }
    const storedGrant = await stored('Grant', grantId);
    assert.equal('rejected' in storedGrant, false, "a grant's empty rejected scopes are not stored");
    assert.equal('iat' in storedGrant, false, "a grant's issue time is not stored: oidc-provider writes it at each save and reads it nowhere");
    const storedSession = await stored('Session', session.jti);
    assert.equal('iat' in storedSession, false, "a session's issue time is not stored either: oidc-provider writes it at each save and reads it nowhere");
    assert.equal(typeof storedSession.exp, 'number', "a session's expiry is");
    assert.equal(typeof storedGrant.exp, 'number', "a grant's expiry is");
    assert.equal('jti' in rt, false, "a refresh token's jti is not stored");

    for (const [who, models] of [
      ['this release', provider],
      ['a release before', asBefore],
    ] as const) {
      const found = (await models.RefreshToken.find(value))!;
      assert.equal(found.jti, value, who);
      assert.equal(found.kind, 'RefreshToken', who);
      assert.equal(found.iiat, found.iat, `${who}: the initial issue time is the issue time`);
      const foundGrant = (await models.Grant.find(grantId))!;
      assert.equal(foundGrant.kind, 'Grant', who);
      assert.equal(foundGrant.getOIDCScope(), 'openid', who);
      assert.equal(foundGrant.getRejectedOIDCScope(), '', who);
      const { exp, isExpired } = foundGrant as unknown as { exp: number; isExpired: boolean };
      assert.equal(exp, storedGrant.exp, `${who}: the grant expires when it did`);
      assert.equal(isExpired, false, who);
      const foundSession = (await models.Session.find(session.jti))!;
      assert.equal(foundSession.kind, 'Session', who);
      assert.equal(foundSession.accountId, 'acc-4', who);
      assert.equal((foundSession as unknown as { exp: number }).exp, storedSession.exp, `${who}: the session expires when it did`);
    }
    // Saved again (each authorization saves it, for the session's lifetime from then), still without it.
    const resaved = (await provider.Session.find(session.jti))!;
    await resaved.save(600);
    assert.equal('iat' in (await stored('Session', session.jti)), false);
    assert.ok(Number((await stored('Session', session.jti)).exp) >= Number(storedSession.exp) + 299, 'its expiry from this save');

    // Saved again (a consent adding a scope), the grant keeps its expiry: oidc-provider saves a grant for what is left of it (exp).
    const regranted = (await provider.Grant.find(grantId))!;
    regranted.addOIDCScope('openid profile');
    await regranted.save();
    const grantTtl = await store.ttl(keyNames.modelJson('Grant', grantId));
    assert.ok(Math.abs(grantTtl - (Number(storedGrant.exp) - Math.floor(Date.now() / 1000))) <= 2, `the grant's TTL (${grantTtl} s) is what its expiry left`);
    assert.equal((await stored('Grant', grantId)).exp, storedGrant.exp);
    assert.equal('iat' in (await stored('Grant', grantId)), false);

    // The refresh grant counts the rotations left out as none: the new token has made one.
    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: value });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const nextValue = String(refreshed.body.refresh_token);
    assert.equal((await stored('RefreshToken', nextValue)).rotations, 1);
    // Its first issue time is the first token's: stored, or left out when it is its own issue time (a refresh within the same second).
    assert.equal((await provider.RefreshToken.find(nextValue))?.iiat, rt.iat, 'the rotated token keeps the first issue time');
  });

  test('a record is stored without its jti and read with the id its key names: the refresh token rotates once, its replay revokes the grant', async () => {
    const grantId = await grantWithOpenid('acc-6');
    const session = new provider.Session({ accountId: 'acc-6' });
    await session.save(300);
    const value = await new provider.RefreshToken({ client, grantId, accountId: 'acc-6', scope: 'openid', gty: 'authorization_code' }).save();
    // What leaving it out saves in Redis (MEMORY USAGE): each record with its jti put back, as the releases before stored it, then as stored.
    const redis = new Redis(TEST_REDIS_URL);
    const saved: string[] = [];
    for (const [model, id] of [
      ['Grant', grantId],
      ['Session', session.jti],
      ['RefreshToken', value],
    ] as const) {
      const key = keyNames.modelJson(model, id);
      const text = (await store.get(key))!;
      assert.equal('jti' in JSON.parse(text), false, `${model} stored without its jti`);
      const without = Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
      assert.ok(await store.replace(key, JSON.stringify({ ...JSON.parse(text), jti: id })), `${model} rewritten with its jti, its TTL kept`);
      const withJti = Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
      assert.ok(await store.replace(key, text), `${model} stored again as this release stores it`);
      assert.ok(withJti - without >= 48, `${model}: ${withJti} B with its jti, ${without} B without`);
      saved.push(`${model} ${withJti} → ${without} B`);
    }
    redis.disconnect();
    diagnostic(`without jti: ${saved.join(', ')}`);

    assert.equal((await provider.Grant.find(grantId))?.jti, grantId);
    assert.equal((await provider.Session.find(session.jti))?.jti, session.jti);
    assert.equal((await provider.Session.findByUid(session.uid!))?.jti, session.jti);
    assert.equal((await provider.RefreshToken.find(value))?.jti, value);

    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: value });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const replayed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: value });
    assert.equal(replayed.status, 400, `the consumed token is refused: ${JSON.stringify(replayed.body)}`);
    assert.equal(replayed.body.error, 'invalid_grant');
    assert.equal(await provider.Grant.find(grantId), undefined, 'the replay revoked the grant');
    const next = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(refreshed.body.refresh_token) });
    assert.equal(next.status, 400, 'the token the first refresh gave dies with its grant');
  });

  test('during the window after an upgrade from a release that needs it, every record keeps its jti', async () => {
    const grant = new duringUpgrade.Grant({ accountId: 'acc-7', clientId: 'demo-dpi' });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    const session = new duringUpgrade.Session({ accountId: 'acc-7' });
    await session.save(300);
    const value = await new duringUpgrade.RefreshToken({ client, grantId, accountId: 'acc-7', scope: 'openid', gty: 'authorization_code' }).save();
    const accessToken = await new duringUpgrade.AccessToken({ client, grantId, accountId: 'acc-7', scope: 'openid' }).save();
    for (const [model, id] of [
      ['Grant', grantId],
      ['Session', session.jti],
      ['RefreshToken', value],
      ['AccessToken', accessToken],
    ] as const) {
      assert.equal((await stored(model, id)).jti, id, `${model}: a release before the eleventh round reads its jti from the record`);
    }
    // Once spent too (a consumption outside a request: the use mark; token-consumption.test.ts for the spent record).
    await (await duringUpgrade.RefreshToken.find(value))!.consume();
    assert.equal((await stored('RefreshToken', value)).jti, value);
  });

  test("a kind that is not its model's is stored, so that oidc-provider still refuses the record", async () => {
    const id = 'mismatched-kind';
    await createAdapterFactory(store, keyNames)('RefreshToken').upsert(id, { jti: id, kind: 'AccessToken', exp: Math.floor(Date.now() / 1000) + 60 }, 60);
    assert.equal((await stored('RefreshToken', id)).kind, 'AccessToken');
    assert.equal(await provider.RefreshToken.find(id), undefined);
  });

  test('a code is deleted with its grant; its exchange is refused', async () => {
    const grantId = await grantWithOpenid('acc-5');
    const verifier = 'a-code-verifier-of-at-least-forty-three-characters-long';
    const code = new provider.AuthorizationCode({
      client,
      grantId,
      accountId: 'acc-5',
      scope: 'openid',
      redirectUri: 'http://localhost:3002/cb',
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      codeChallengeMethod: 'S256',
    });
    const value = await code.save();
    assert.deepEqual(await store.hkeys(keyNames.grantTokenIndex(grantId)), [`AC:${value}`], 'the code is listed under its grant');

    // As oidc-provider revokes a grant (a logout, a replayed token): the grant, then what its index lists.
    await (await provider.Grant.find(grantId))!.destroy();
    await provider.AccessToken.revokeByGrantId(grantId);
    assert.equal(await provider.AuthorizationCode.find(value), undefined, 'the code is deleted with its grant');
    const exchange = await tokenRequest({ grant_type: 'authorization_code', code: value, redirect_uri: 'http://localhost:3002/cb', code_verifier: verifier });
    assert.equal(exchange.status, 400);
    assert.equal(exchange.body.error, 'invalid_grant');
    assert.equal(exchange.body.access_token, undefined);
  });

  test("a code's, access token's and refresh token's claims are stored as 1 when they are what a client requiring auth_time gets, and read as them: the refreshed ID token still has its auth_time", async () => {
    // What oidc-provider gives every code of a client registered with require_auth_time (every client of the gateway: oidc/provider.ts), and its tokens after it.
    const claims = { id_token: { auth_time: { essential: true } } };
    const grantId = await grantWithOpenid('acc-8');
    const authTime = Math.floor(Date.now() / 1000) - 30;
    const common = { client, grantId, accountId: 'acc-8', scope: 'openid', claims };
    const code = await new provider.AuthorizationCode({ ...common, redirectUri: 'http://localhost:3002/cb', authTime }).save();
    const accessToken = await new provider.AccessToken({ ...common, gty: 'authorization_code' }).save();
    const refreshToken = await new provider.RefreshToken({ ...common, gty: 'authorization_code', authTime }).save();
    for (const [model, id, found] of [
      ['AuthorizationCode', code, await provider.AuthorizationCode.find(code)],
      ['AccessToken', accessToken, await provider.AccessToken.find(accessToken)],
      ['RefreshToken', refreshToken, await provider.RefreshToken.find(refreshToken)],
    ] as const) {
      assert.equal((await stored(model, id)).claims, 1, `${model}: stored as 1`);
      assert.deepEqual(found?.claims, claims, `${model}: read with them`);
    }
    // Other claims (an application's claims parameter) are stored as they are.
    const asked = { id_token: { auth_time: { essential: true }, acr: { essential: true } } };
    const other = await new provider.RefreshToken({ ...common, claims: asked, gty: 'authorization_code', authTime }).save();
    assert.deepEqual((await stored('RefreshToken', other)).claims, asked);

    // The test's client does not require auth_time: the refreshed ID token has it only from the claims put back.
    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(decodeJwt(String(refreshed.body.id_token)).auth_time, authTime);
    assert.equal((await stored('RefreshToken', String(refreshed.body.refresh_token))).claims, 1, 'the rotated token: stored so too');
    // A token without claims is stored and read without.
    const none = await new provider.AccessToken({ client, grantId, accountId: 'acc-8', scope: 'openid', gty: 'authorization_code' }).save();
    assert.equal('claims' in (await stored('AccessToken', none)), false);
    assert.equal((await provider.AccessToken.find(none))?.claims, undefined);

    // During the window after an upgrade, they are stored: the releases before read them as stored.
    const duringWindow = createAdapterFactory(store, keyNames, { defaultClaimsKeptUntil: Date.now() + 60_000 });
    await duringWindow('RefreshToken').upsert('rt-in-window', { claims, grantId, exp: Math.floor(Date.now() / 1000) + 60 }, 60);
    assert.deepEqual((await stored('RefreshToken', 'rt-in-window')).claims, claims);
  });
});
