/**
 * What a session's assurance record weighs in Redis (src/assurance/session-assurance-text.ts):
 * as a JSON array of its fields, where the releases before stored an object naming each one.
 * A workstation's record (its browser's digest and address) falls two allocation classes lower.
 * And the session's id kept as a second part of that record (store/session-record.ts), where the
 * releases before kept it in a uid index of its own.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, test } from 'vitest';
import { createSessionAssuranceStore, type SessionAssurance } from '../../src/assurance/index.ts';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createAdapterFactory } from '../../src/store/oidc-adapter.ts';
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

  const now = Date.now();
  const workstationRecord = (): SessionAssurance => ({
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
  });
  /** An id as oidc-provider draws them (43 characters). */
  const drawnId = () => randomBytes(32).toString('base64url');
  const usage = async (key: string) => Number(await redis.memory('USAGE', key, 'SAMPLES', 0));

  test('an array of its fields weighs at least 128 B less than the object the releases before stored', async () => {
    const record = workstationRecord();
    const uid = randomBytes(32).toString('base64url');
    await createSessionAssuranceStore(store, keyNames).save(uid, record, 600);
    const asArray = await usage(keyNames.sessionRecord(uid));
    // The same record as the releases before stored it, under a key of the same length.
    const named = keyNames.sessionRecord(drawnId());
    await redis.set(named, JSON.stringify(record), 'EX', 600);
    const asObject = await usage(named);
    diagnostic(`assurance record: ${asObject} B as an object, ${asArray} B as an array`);
    assert.ok(asArray <= asObject - 128, `${asArray} B as an array, against ${asObject} B as an object`);
    assert.deepEqual(await createSessionAssuranceStore(store, keyNames).get(uid), record);
  });

  test("the session's id in its record weighs at least 96 B less than the uid index of its own the releases before kept", async () => {
    const [uid, sessionId] = [drawnId(), drawnId()];
    await createSessionAssuranceStore(store, keyNames).save(uid, workstationRecord(), 600);
    const alone = await usage(keyNames.sessionRecord(uid));
    await createAdapterFactory(store, keyNames)('Session').upsert(sessionId, { jti: sessionId, uid, accountId: '899100000004' }, 600);
    const withId = await usage(keyNames.sessionRecord(uid));
    assert.equal(await redis.exists(keyNames.sessionUid(uid)), 0);
    // The index as the releases before kept it, for a session of the same uid length.
    const otherUid = drawnId();
    await redis.set(keyNames.sessionUid(otherUid), sessionId, 'EX', 600);
    const index = await usage(keyNames.sessionUid(otherUid));
    diagnostic(`session record: ${alone} B with the assurance alone, ${withId} B with the id too; the uid index of the releases before: ${index} B`);
    assert.ok(withId - alone <= index - 96, `the id costs ${withId - alone} B in the record, ${index} B as an index of its own`);
    assert.equal((await createAdapterFactory(store, keyNames)('Session').findByUid(uid))?.jti, sessionId);
    assert.deepEqual(await createSessionAssuranceStore(store, keyNames).get(uid), workstationRecord());
  });
});
