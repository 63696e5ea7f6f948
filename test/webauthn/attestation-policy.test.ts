/** The policy switch that refuses keys without an attestation statement (webauthn.requireAttestation). */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { createKeyNames } from '../../src/store/key-names.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { createWebAuthnDeps, createRegistrationOptions, verifyRegistration, webauthnSettingsFor } from '../../src/webauthn/index.ts';
import { createSoftAuthenticator } from '../support/soft-authenticator.ts';
import { refused } from './harness.ts';

const ORIGIN = 'https://gw.example';

function depsWith(requireAttestation: boolean) {
  const store = createMemoryStore();
  return createWebAuthnDeps({ store, keyNames: createKeyNames('t:'), settings: { ...webauthnSettingsFor(ORIGIN), requireAttestation } });
}

async function register(requireAttestation: boolean, attestation: 'none' | 'packed') {
  const deps = depsWith(requireAttestation);
  const options = await createRegistrationOptions(deps, { ceremonyKey: 'k', idNat: '899700427885', userName: 'x', displayName: 'x' });
  const response = createSoftAuthenticator({ attestation }).register(options, { origin: ORIGIN });
  return { deps, promise: verifyRegistration(deps, { ceremonyKey: 'k', idNat: '899700427885', response }) };
}

describe('attestation policy', () => {
  it('refuses format "none" when attestation is required, and stores nothing', async () => {
    const { deps, promise } = await register(true, 'none');
    await refused(promise, 'attestation-required');
    assert.deepEqual(await deps.credentials.listByAccount('899700427885'), []);
  });

  it('refuses a packed self attestation (no certificate) when attestation is required, and stores nothing', async () => {
    const { deps, promise } = await register(true, 'packed');
    await refused(promise, 'attestation-required');
    assert.deepEqual(await deps.credentials.listByAccount('899700427885'), []);
  });

  it('accepts a packed self attestation by default, recorded as not verified', async () => {
    const { promise } = await register(false, 'packed');
    const credential = await promise;
    assert.equal(credential.attestationFormat, 'packed');
    assert.deepEqual(credential.attestation, { verified: false });
  });

  it('accepts format "none" by default', async () => {
    const { promise } = await register(false, 'none');
    assert.equal((await promise).attestationFormat, 'none');
  });
});
