import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createMemoryStore, createKeyNames } from '../store/index.ts';
import { createSessionAssuranceStore, type SessionAssurance } from './session-assurance.ts';
import { SESSION_ID_PART } from '../store/session-record.ts';
import { textPart } from '../store/text-parts.ts';
import { keySignInRecord } from '../../test/support/session-assurance-record.ts';

const record: SessionAssurance = keySignInRecord(1_000);

/** As a workstation's session holds it: its browser's digest and its address too. */
const full: SessionAssurance = { ...record, browser: 'VF6lOEYQA-_cjIHCRFMbAD', address: '10.12.34.56' };

describe('session assurance records', () => {
  it('are stored as a JSON array of their fields in a fixed order, the format first, and read back the same, with or without the optional fields', async () => {
    const store = createMemoryStore();
    const keyNames = createKeyNames('t:');
    const sessions = createSessionAssuranceStore(store, keyNames);
    for (const [uid, saved] of [
      ['uid-full', full],
      ['uid-bare', record],
    ] as const) {
      await sessions.save(uid, saved, 60);
      const text = (await store.get(keyNames.sessionRecord(uid)))!;
      assert.ok(Array.isArray(JSON.parse(text)), `stored as an array: ${text}`);
      assert.equal(JSON.parse(text)[0], 1, 'its format first');
      assert.deepEqual(await sessions.get(uid), saved);
    }
    assert.equal(
      (await store.get(keyNames.sessionRecord('uid-full')))!,
      JSON.stringify([
        1,
        'webauthn-key',
        'eidas2',
        ['hwk', 'pin'],
        true,
        true,
        '899700427885',
        1_000,
        1_000,
        'default',
        'VF6lOEYQA-_cjIHCRFMbAD',
        '10.12.34.56',
      ]),
    );
  });

  it('read a record as the releases before stored it (an object naming its fields), and store it so within the window after an upgrade', async () => {
    const store = createMemoryStore();
    const keyNames = createKeyNames('t:');
    const key = keyNames.sessionRecord('uid-1');
    await store.set(key, JSON.stringify(full), 60);
    assert.deepEqual(await createSessionAssuranceStore(store, keyNames).get('uid-1'), full, 'a record of a release before');

    let now = 10_000;
    const duringWindow = createSessionAssuranceStore(store, keyNames, { namedFieldsUntil: 20_000, clock: () => now });
    await duringWindow.save('uid-1', { ...full, lastSeenAt: 2_000 }, 60);
    assert.deepEqual(JSON.parse((await store.get(key))!), { ...full, lastSeenAt: 2_000 }, 'what the releases before read');
    now = 20_000;
    await duringWindow.save('uid-1', { ...full, lastSeenAt: 3_000 }, 60);
    assert.equal(JSON.parse((await store.get(key))!)[0], 1, 'after the window: the array');
    assert.deepEqual(await duringWindow.get('uid-1'), { ...full, lastSeenAt: 3_000 });
  });

  it('refuse a damaged record with the key it was found under', async () => {
    const store = createMemoryStore();
    const keyNames = createKeyNames('t:');
    const sessions = createSessionAssuranceStore(store, keyNames);
    const key = keyNames.sessionRecord('uid-1');
    for (const damaged of ['[2,"webauthn-key"]', '[1,"webauthn-key"]', '"text"', '{not json']) {
      await store.set(key, damaged, 60);
      await assert.rejects(sessions.get('uid-1'), (err: Error) => err.message.includes(key), damaged);
    }
  });

  it("keeps an administrator's revocation when an instance saves the record after it", async () => {
    const sessions = createSessionAssuranceStore(createMemoryStore(), createKeyNames('t:'));
    await sessions.save('uid-1', record, 60);
    const readBefore = await sessions.get('uid-1');
    await sessions.revoke('uid-1', 2_000, 60);
    // An instance that read the record before the revocation writes it back (a refresh in flight).
    await sessions.save('uid-1', { ...readBefore!, lastSeenAt: 2_001 }, 60);
    assert.equal((await sessions.get('uid-1'))?.revokedAt, 2_000);
  });

  it('lets a sign-in after the revocation start afresh', async () => {
    const sessions = createSessionAssuranceStore(createMemoryStore(), createKeyNames('t:'));
    await sessions.save('uid-1', record, 60);
    await sessions.revoke('uid-1', 2_000, 60);
    await sessions.save('uid-1', { ...record, loginAt: 3_000, lastSeenAt: 3_000 }, 60);
    assert.equal((await sessions.get('uid-1'))?.revokedAt, undefined);
  });

  it("is one part of the session's record: saving it keeps the session's id beside it, and a line feed in a field cannot forge that id", async () => {
    const store = createMemoryStore();
    const keyNames = createKeyNames('t:');
    const sessions = createSessionAssuranceStore(store, keyNames);
    const key = keyNames.sessionRecord('uid-1');
    await store.batch().setPart(key, SESSION_ID_PART, 'session-id', 60).exec();
    assert.equal(await sessions.get('uid-1'), undefined, 'an id alone: no assurance yet');
    await sessions.save('uid-1', record, 60);
    await sessions.save('uid-1', { ...record, lastSeenAt: 2_000 }, 60);
    assert.equal(textPart(await store.get(key), SESSION_ID_PART), 'session-id');
    assert.equal((await sessions.get('uid-1'))?.lastSeenAt, 2_000);
    // The address comes from the request (X-Forwarded-For behind a trusted proxy): JSON escapes a line feed in it.
    const forged = { ...full, address: '10.0.0.1\nattacker-session-id' };
    await sessions.save('uid-1', forged, 60);
    assert.equal(textPart(await store.get(key), SESSION_ID_PART), 'session-id', 'the id part is still the one its writer wrote');
    assert.deepEqual(await sessions.get('uid-1'), forged);
    await sessions.delete('uid-1');
    assert.equal(await store.get(key), null, 'ended: the whole record, the id with it');
  });

  it('forgets the record and its revocation together', async () => {
    const store = createMemoryStore();
    const sessions = createSessionAssuranceStore(store, createKeyNames('t:'));
    await sessions.save('uid-1', record, 60);
    await sessions.revoke('uid-1', 2_000, 60);
    await sessions.delete('uid-1');
    assert.equal(await sessions.get('uid-1'), undefined);
    await sessions.save('uid-1', record, 60);
    assert.equal((await sessions.get('uid-1'))?.revokedAt, undefined, 'no revocation left behind');
  });
});
