/**
 * The bench's "Redis left per refresh": every key measured before and after, the growth by kind
 * divided by the refreshes, the audit trail counted apart from the total.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { afterAll, describe, test } from 'vitest';
import { bytesByKind, refreshFootprint } from '../../bench/refresh-footprint.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';

describe('bench: what a refresh leaves in Redis', () => {
  test('growth per refresh by kind, largest first, shrunk kinds left out, the access token, the use marks and the audit trail not in the total', () => {
    const before = new Map([
      ['RefreshToken:used', 0],
      ['RefreshToken', 1_000],
      ['g:tokens', 500],
      ['audit:stream', 10_000],
      ['i:client', 400],
    ]);
    const after = new Map([
      ['RefreshToken', 7_000],
      ['RefreshToken:used', 1_500],
      ['g:tokens', 1_100],
      ['AccessToken', 2_400],
      ['audit:stream', 14_000],
      ['i:client', 100],
    ]);
    const footprint = refreshFootprint(before, after, 10);
    assert.deepEqual(footprint, {
      refreshes: 10,
      bytesPerRefresh: 600 + 60,
      byKind: { RefreshToken: 600, 'audit:stream': 400, AccessToken: 240, 'RefreshToken:used': 150, 'g:tokens': 60 },
    });
    assert.deepEqual(Object.keys(footprint.byKind), ['RefreshToken', 'audit:stream', 'AccessToken', 'RefreshToken:used', 'g:tokens']);
  });

  describe('on a live Redis', () => {
    const prefix = uniquePrefix('bench-refresh-footprint');
    const redis = new Redis(TEST_REDIS_URL);
    afterAll(async () => {
      await deletePrefix(prefix);
      redis.disconnect();
    });

    test('every key under the prefix, by kind, with its MEMORY USAGE', async () => {
      const token = `${prefix}{RefreshToken:abc}:RefreshToken:json`;
      await redis.set(token, 'x'.repeat(300));
      await redis.set(`${prefix}{RefreshToken:abc}:RefreshToken:used`, '1796555813');
      await redis.sadd(`${prefix}{g:grant-1}:tokens`, token);
      const bytes = await bytesByKind(redis, prefix);
      assert.deepEqual([...bytes.keys()].sort(), ['RefreshToken', 'RefreshToken:used', 'g:tokens']);
      const usage = async (key: string) => Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
      assert.equal(bytes.get('RefreshToken'), await usage(token));
      assert.equal(bytes.get('RefreshToken:used'), await usage(`${prefix}{RefreshToken:abc}:RefreshToken:used`));
      assert.ok(bytes.get('RefreshToken')! > 300);
    });
  });
});
