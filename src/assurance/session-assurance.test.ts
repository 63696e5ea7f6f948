import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createMemoryStore, createKeyNames } from '../store/index.ts';
import { createSessionAssuranceStore, type SessionAssurance } from './session-assurance.ts';

const record: SessionAssurance = {
  accountId: '899700427885',
  method: 'webauthn-key',
  acr: 'eidas2',
  amr: ['hwk', 'pin'],
  phishingResistant: true,
  hardwareProtected: true,
  loginAt: 1_000,
  lastSeenAt: 1_000,
  profile: 'default',
};

describe('session assurance records', () => {
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
