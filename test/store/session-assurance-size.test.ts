/**
 * What a session's assurance record weighs in Redis (src/assurance/session-assurance-text.ts):
 * as a JSON array of its fields, where the releases before stored an object naming each one.
 * A workstation's record (its browser's digest and address) falls two allocation classes lower.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, test } from 'vitest';
import { createSessionAssuranceStore, type SessionAssurance } from '../../src/assurance/index.ts';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createRedisConnection } from '../../src/store/redis-connection.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';
import { diagnostic } from '../support/diagnostic.ts';

describe("a session's assurance record in Redis", () => {
  const prefix = uniquePrefix('assurance-size');
  const keyNames = createKeyNames(prefix);
  const store = createRedisStore(createRedisConnection({ url: TEST_REDIS_URL }));
  const redis = new Redis(TEST_REDIS_URL);
  afterAll(async () => {
    await store.close();
    redis.disconnect();
    await deletePrefix(prefix);
  });

  test('an array of its fields weighs at least 128 B less than the object the releases before stored', async () => {
    const now = Date.now();
    const record: SessionAssurance = {
      method: 'webauthn-device',
      acr: 'eidas2',
      amr: ['hwk', 'mfa'],
      phishingResistant: true,
      hardwareProtected: true,
      accountId: '899100000004',
      loginAt: now,
      lastSeenAt: now + 29,
      profile: 'default',
      browser: 'VF6lOEYQA-_cjIHCRFMbAD',
      address: '10.12.34.56',
    };
    const uid = randomBytes(32).toString('base64url');
    await createSessionAssuranceStore(store, keyNames).save(uid, record, 600);
    const key = keyNames.sessionPart(uid, 'assurance');
    const asArray = Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
    // The same record as the releases before stored it, under a key of the same length.
    const named = keyNames.sessionPart(randomBytes(32).toString('base64url'), 'assurance');
    await redis.set(named, JSON.stringify(record), 'EX', 600);
    const asObject = Number(await redis.memory('USAGE', named, 'SAMPLES', 0));
    diagnostic(`assurance record: ${asObject} B as an object, ${asArray} B as an array`);
    assert.ok(asArray <= asObject - 128, `${asArray} B as an array, against ${asObject} B as an object`);
    assert.deepEqual(await createSessionAssuranceStore(store, keyNames).get(uid), record);
  });
});
