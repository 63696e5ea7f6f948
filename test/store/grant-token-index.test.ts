/**
 * What a grant's token index weighs in Redis: a hash of short fields stays a listpack (Redis
 * 7.0 keeps a set of strings as a hashtable whatever its size), about half the bytes of the set
 * of whole keys the releases before kept, for the tokens of a sign-in and of a day of refreshes;
 * its fields name the model in two letters, an allocation class less than its name did.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, test } from 'vitest';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createAdapterFactory } from '../../src/store/oidc-adapter.ts';
import { createRedisConnection } from '../../src/store/redis-connection.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';

/** An id as oidc-provider draws one (43 characters of base64url). */
const tokenId = () => randomBytes(32).toString('base64url');

describe('grant token index in Redis', () => {
  const prefix = uniquePrefix('grant-index');
  const keyNames = createKeyNames(prefix);
  const store = createRedisStore(createRedisConnection({ url: TEST_REDIS_URL }));
  const redis = new Redis(TEST_REDIS_URL);
  const factory = createAdapterFactory(store, keyNames, { longestTokenSeconds: 14_400 });
  afterAll(async () => {
    await store.close();
    redis.disconnect();
    await deletePrefix(prefix);
  });

  const usage = async (key: string) => Number(await redis.memory('USAGE', key, 'SAMPLES', 0));

  /** A sign-in's code, access and refresh token, then `refreshes` pairs more, listed under a new grant. */
  const listTokens = async (refreshes: number) => {
    const grantId = tokenId();
    const tokens: Array<[string, string]> = [
      ['AuthorizationCode', tokenId()],
      ['AccessToken', tokenId()],
      ['RefreshToken', tokenId()],
    ];
    for (let i = 0; i < refreshes; i++) tokens.push(['AccessToken', tokenId()], ['RefreshToken', tokenId()]);
    for (const [model, jti] of tokens) await factory(model).upsert(jti, { jti, grantId }, 600);
    return { grantId, tokens };
  };

  for (const [what, refreshes] of [
    ['a sign-in (code, access and refresh token)', 0],
    ['a 4-hour session refreshing every 10 minutes', 24],
  ] as const) {
    test(`${what}: a listpack, at most 60 % of the set of whole keys`, async () => {
      const { grantId, tokens } = await listTokens(refreshes);

      const index = keyNames.grantTokenIndex(grantId);
      assert.equal(await redis.object('ENCODING', index), 'listpack');
      assert.equal(await redis.hlen(index), tokens.length);
      // The same tokens as the releases before listed them.
      const asBefore = keyNames.legacyGrantTokens(grantId);
      await redis.sadd(asBefore, ...tokens.map(([model, jti]) => keyNames.modelJson(model, jti)));
      const [now, before] = [await usage(index), await usage(asBefore)];
      assert.ok(now <= 0.6 * before, `${now} B, against ${before} B as a set of keys`);
    });

    test(`${what}: fields of two letters and the id, at least an allocation class below the model's name and the id`, async () => {
      const { grantId, tokens } = await listTokens(refreshes);

      const index = keyNames.grantTokenIndex(grantId);
      const short = { AuthorizationCode: 'AC', AccessToken: 'AT', RefreshToken: 'RT' } as Record<string, string>;
      assert.deepEqual((await redis.hkeys(index)).sort(), tokens.map(([model, jti]) => `${short[model]}:${jti}`).sort());
      // The same tokens under their model's name (the releases before), in a key of the same length.
      const named = keyNames.grantTokenIndex(tokenId());
      await redis.hset(named, Object.fromEntries(tokens.map(([model, jti]) => [`${model}:${jti}`, ''])));
      const [now, before] = [await usage(index), await usage(named)];
      assert.ok(now <= before - 32, `${now} B, against ${before} B with the model's name`);
    });
  }
});
