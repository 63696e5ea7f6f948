/**
 * oidc-provider itself on top of the adapter and the Redis store: its models save, find,
 * consume and revoke through our records (a reused code is seen as consumed).
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createAdapterFactory } from '../../src/store/oidc-adapter.ts';
import { createRedisConnection } from '../../src/store/redis-connection.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { Store } from '../../src/store/store.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';

/** The few Provider members this test touches (oidc-provider ships no types). */
interface Model {
  jti: string;
  consumed?: number;
  accountId?: string;
  uid?: string;
  save(ttl?: number): Promise<string>;
  consume(): Promise<void>;
  addOIDCScope(scope: string): void;
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
  Session: ModelClass;
  Grant: ModelClass;
  Client: { find(id: string): Promise<unknown> };
}
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => ProviderLike;

describe('oidc-provider over the Redis adapter', () => {
  const prefix = uniquePrefix('oidc-provider');
  const keyNames = createKeyNames(prefix);
  let store: Store;
  let provider: ProviderLike;
  let client: unknown;

  beforeAll(async () => {
    const specifier = 'oidc-provider';
    const { Provider } = (await import(specifier)) as { Provider: ProviderClass };
    store = createRedisStore(createRedisConnection({ url: TEST_REDIS_URL }));
    provider = new Provider('http://localhost:0', {
      adapter: createAdapterFactory(store, keyNames),
      clients: [{ client_id: 'demo-dpi', client_secret: 'secret', redirect_uris: ['http://localhost:3002/cb'] }],
      features: { devInteractions: { enabled: false } },
      ttl: { Grant: 600, AccessToken: 60, AuthorizationCode: 60, Session: 300, Interaction: 300 },
    });
    client = await provider.Client.find('demo-dpi');
    assert.ok(client, 'the static client is found');
  });
  afterAll(async () => {
    await store.close();
    await deletePrefix(prefix);
  });

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
});
