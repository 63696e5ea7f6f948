/**
 * Enrolment ceremony with real authenticator bytes (test/support/soft-authenticator.ts), on
 * Redis and in memory: the options, what is stored on success, and every refusal leaving the
 * store as it was (only the challenge is consumed).
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import { CredentialNameError, type WebAuthnErrorCode } from '../../src/webauthn/errors.ts';
import { createRegistrationOptions } from '../../src/webauthn/registration-options.ts';
import { verifyRegistration } from '../../src/webauthn/verify-registration.ts';
import { createSoftAuthenticator, type SoftRegisterContext } from '../support/soft-authenticator.ts';
import { eachBackend, ORIGIN, RP_ID, uniqueIdNat, type Harness, refused } from './harness.ts';

const YUBIKEY_5_NFC = '2fc0579f-8113-47ea-b116-bb5a8db9202a';
const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';

async function start(h: Harness, idNat: string) {
  const ceremonyKey = h.ceremonyKey('webauthn-register');
  const options = await createRegistrationOptions(h.deps, { ceremonyKey, idNat, userName: `rpps-${idNat}`, displayName: 'Dr Marie Curie' });
  return { ceremonyKey, options };
}

eachBackend('registration', (bench) => {
  test('options: rpID, user handle, discoverable + UV required, direct attestation, EdDSA/ES256/RS256, timeout; challenge stored with a TTL', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const { ceremonyKey, options } = await start(h, idNat);
    assert.equal(options.rp.id, RP_ID);
    assert.equal(options.rp.name, 'HospiConnect');
    assert.equal(options.user.id, await h.deps.credentials.userHandleFor(idNat));
    assert.equal(options.user.name, `rpps-${idNat}`);
    assert.equal(options.user.displayName, 'Dr Marie Curie');
    assert.deepEqual(options.authenticatorSelection, { residentKey: 'required', userVerification: 'required', requireResidentKey: true });
    assert.equal(options.attestation, 'direct');
    assert.deepEqual(
      options.pubKeyCredParams.map((p) => p.alg),
      [-8, -7, -257],
    );
    assert.equal(options.timeout, 120_000);
    assert.deepEqual(options.excludeCredentials, []);
    assert.match(options.challenge, /^[A-Za-z0-9_-]{43}$/);
    const ttl = await h.store.ttl(ceremonyKey);
    assert.ok(ttl > 290 && ttl <= 300, `expected a TTL near 300 s, got ${ttl}`);
  });

  test('success: ES256 with none attestation; stored as returned, default name from the kind', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator({ alg: 'ES256', attestation: 'none' });
    const { ceremonyKey, options } = await start(h, idNat);
    const response = key.register(options, { origin: ORIGIN });
    const credential = await verifyRegistration(h.deps, { ceremonyKey, idNat, response, now: 1_750_000_000_000 });

    assert.equal(credential.id, response.id);
    assert.equal(credential.idNat, idNat);
    assert.equal(credential.attestationFormat, 'none');
    assert.equal(credential.aaguid, '00000000-0000-0000-0000-000000000000');
    assert.equal(credential.kind, 'security-key');
    assert.equal(credential.name, 'Clé de sécurité');
    assert.equal(credential.model, undefined);
    assert.equal(credential.counter, 0);
    assert.deepEqual(credential.transports, ['usb']);
    assert.equal(credential.attachment, 'cross-platform');
    assert.equal(credential.deviceType, 'singleDevice');
    assert.equal(credential.backedUp, false);
    assert.equal(credential.createdAt, 1_750_000_000_000);
    assert.equal(credential.blocked, undefined);
    assert.equal(decodeCredentialPublicKey(new Uint8Array(Buffer.from(credential.publicKey, 'base64url'))).get(3), -7);
    assert.deepEqual(await h.deps.credentials.find(credential.id), credential);
    assert.deepEqual(
      (await h.deps.credentials.listByAccount(idNat)).map((c) => c.id),
      [credential.id],
    );
    assert.equal(await h.store.get(ceremonyKey), null, 'the challenge is consumed');
  });

  test('success: EdDSA with packed self attestation; AAGUID names the model and the default name', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator({ alg: 'EdDSA', attestation: 'packed', aaguid: YUBIKEY_5_NFC, transports: ['nfc', 'usb'] });
    const credential = await h.enrol(idNat, key);
    assert.equal(credential.attestationFormat, 'packed');
    assert.equal(credential.aaguid, YUBIKEY_5_NFC);
    assert.equal(credential.model, 'YubiKey 5 NFC');
    assert.equal(credential.name, 'YubiKey 5 NFC');
    assert.equal(credential.kind, 'security-key');
    assert.deepEqual(credential.transports, ['nfc', 'usb']);
    assert.equal(decodeCredentialPublicKey(new Uint8Array(Buffer.from(credential.publicKey, 'base64url'))).get(3), -8);
  });

  test('success: a synced passkey (BE+BS, platform, counter always 0) with a given name, trimmed', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const phone = createSoftAuthenticator({
      aaguid: GOOGLE_PASSWORD_MANAGER,
      backupEligible: true,
      backedUp: true,
      counter: 'zero',
      transports: ['hybrid', 'internal'],
      attachment: 'platform',
    });
    const credential = await h.enrol(idNat, phone, '  Mon téléphone  ');
    assert.equal(credential.kind, 'synced-passkey');
    assert.equal(credential.deviceType, 'multiDevice');
    assert.equal(credential.backedUp, true);
    assert.equal(credential.model, 'Google Password Manager');
    assert.equal(credential.name, 'Mon téléphone');
    assert.equal(credential.attachment, 'platform');
  });

  test('default names: platform and synced kinds without a known model get the French label', async () => {
    const h = bench();
    const laptop = await h.enrol(uniqueIdNat(), createSoftAuthenticator({ transports: ['internal'], attachment: 'platform' }));
    assert.equal(laptop.kind, 'platform');
    assert.equal(laptop.name, "Authentificateur de l'appareil");
    const synced = await h.enrol(uniqueIdNat(), createSoftAuthenticator({ backupEligible: true, transports: ['hybrid', 'internal'] }));
    assert.equal(synced.kind, 'synced-passkey');
    assert.equal(synced.name, 'Passkey synchronisée');
    const blank = await h.enrol(uniqueIdNat(), createSoftAuthenticator(), '   ');
    assert.equal(blank.name, 'Clé de sécurité');
  });

  test("excludeCredentials lists the account's keys (with transports); the authenticator then refuses to enrol twice", async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator({ transports: ['usb', 'nfc'] });
    const first = await h.enrol(idNat, key);
    const second = await h.enrol(idNat, createSoftAuthenticator({ alg: 'EdDSA' }));
    await h.enrol(uniqueIdNat(), createSoftAuthenticator());
    const { options } = await start(h, idNat);
    // Oldest first, ties (two enrolments in one millisecond) by id: compare in id order.
    const byId = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
    assert.deepEqual(
      byId(options.excludeCredentials ?? []),
      byId([
        { id: first.id, transports: ['usb', 'nfc'], type: 'public-key' },
        { id: second.id, transports: ['usb'], type: 'public-key' },
      ]),
    );
    assert.throws(() => key.register(options, { origin: ORIGIN }), { name: 'InvalidStateError' });
  });

  test('new options replace the earlier challenge for the same ceremony key', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator();
    const ceremonyKey = h.ceremonyKey('webauthn-register');
    const input = { ceremonyKey, idNat, userName: idNat, displayName: idNat };
    const earlier = await createRegistrationOptions(h.deps, input);
    await createRegistrationOptions(h.deps, input);
    const before = await h.snapshot();
    await refused(verifyRegistration(h.deps, { ceremonyKey, idNat, response: key.register(earlier, { origin: ORIGIN }) }), 'verification-failed', /challenge/);
    assert.deepEqual(await h.snapshot(), before);
  });

  const tampered: [string, SoftRegisterContext | ((options: { challenge: string }) => void), WebAuthnErrorCode, RegExp][] = [
    ['wrong origin', { origin: 'https://connexion.chu-exemple.fr.evil.example' }, 'verification-failed', /origin/],
    ['http origin', { origin: 'http://connexion.chu-exemple.fr' }, 'verification-failed', /origin/],
    ['wrong rpId', { origin: ORIGIN, rpId: 'evil.example' }, 'verification-failed', /RP ID/],
    [
      'wrong challenge',
      (options) => {
        options.challenge = Buffer.from('not the challenge we issued').toString('base64url');
      },
      'verification-failed',
      /challenge/,
    ],
    ['UV flag missing', { origin: ORIGIN, userVerified: false }, 'user-verification-missing', /UV flag/],
    ['UP flag missing', { origin: ORIGIN, userPresent: false }, 'verification-failed', /present/],
    ['client data of an authentication', { origin: ORIGIN, clientData: { type: 'webauthn.get' } }, 'verification-failed', /type/],
  ];
  for (const [what, tamper, code, message] of tampered) {
    test(`refused: ${what} → ${code}; nothing stored, challenge consumed`, async () => {
      const h = bench();
      const idNat = uniqueIdNat();
      await h.enrol(idNat, createSoftAuthenticator());
      const { ceremonyKey, options } = await start(h, idNat);
      const key = createSoftAuthenticator();
      let response;
      if (typeof tamper === 'function') {
        const copy = structuredClone(options);
        tamper(copy);
        response = key.register(copy, { origin: ORIGIN });
      } else {
        response = key.register(options, tamper);
      }
      const before = await h.snapshot();
      const error = await refused(verifyRegistration(h.deps, { ceremonyKey, idNat, response }), code, message);
      if (code === 'verification-failed' || code === 'user-verification-missing') assert.ok(error.detail, 'the library reason is kept as detail');
      assert.deepEqual(await h.snapshot(), before);
      assert.equal(await h.deps.credentials.lookup(response.id).then((l) => l.state), 'unknown');
      assert.equal(await h.store.get(ceremonyKey), null, 'the challenge is consumed by the failed attempt');
      // The right response cannot be sent afterwards on the same challenge.
      await refused(verifyRegistration(h.deps, { ceremonyKey, idNat, response: key.register(options, { origin: ORIGIN }) }), 'challenge-expired');
    });
  }

  test('reused challenge: the same response verified twice → challenge-expired, nothing added', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const { ceremonyKey, options } = await start(h, idNat);
    const response = createSoftAuthenticator().register(options, { origin: ORIGIN });
    await verifyRegistration(h.deps, { ceremonyKey, idNat, response });
    const before = await h.snapshot();
    await refused(verifyRegistration(h.deps, { ceremonyKey, idNat, response }), 'challenge-expired', /expected a pending registration challenge, got none/);
    assert.deepEqual(await h.snapshot(), before);
  });

  test('no options issued, or expired → challenge-expired', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const { options } = await start(h, idNat);
    const response = createSoftAuthenticator().register(options, { origin: ORIGIN });
    await refused(verifyRegistration(h.deps, { ceremonyKey: h.ceremonyKey(), idNat, response }), 'challenge-expired');
  });

  test('an authentication challenge cannot be used for a registration', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const { options } = await start(h, idNat);
    const authKey = h.ceremonyKey('webauthn-auth');
    const { createAuthenticationOptions } = await import('../../src/webauthn/authentication-options.ts');
    const request = await createAuthenticationOptions(h.deps, { ceremonyKey: authKey });
    const response = createSoftAuthenticator().register({ ...options, challenge: request.challenge }, { origin: ORIGIN });
    await refused(
      verifyRegistration(h.deps, { ceremonyKey: authKey, idNat, response }),
      'challenge-expired',
      /got a authentication challenge|got an? authentication challenge/,
    );
  });

  test('wrong account: options made for one account, verified for another → wrong-account, nothing stored', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const { ceremonyKey, options } = await start(h, idNat);
    const response = createSoftAuthenticator().register(options, { origin: ORIGIN });
    const before = await h.snapshot();
    await refused(verifyRegistration(h.deps, { ceremonyKey, idNat: uniqueIdNat(), response }), 'wrong-account');
    assert.deepEqual(await h.snapshot(), before);
  });

  test('already registered: an authenticator re-attesting a known credential id → already-registered, record untouched', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator();
    const existing = await h.enrol(idNat, key);
    await h.deps.credentials.recordUse(existing.id, { counter: 5, backedUp: false, at: 1_760_000_000_000 });
    for (const account of [idNat, uniqueIdNat()]) {
      const { ceremonyKey, options } = await start(h, account);
      const response = key.register(options, { origin: ORIGIN, reuseCredentialId: existing.id });
      const before = await h.snapshot();
      await refused(verifyRegistration(h.deps, { ceremonyKey, idNat: account, response }), 'already-registered');
      assert.deepEqual(await h.snapshot(), before);
    }
    assert.equal((await h.deps.credentials.find(existing.id))?.counter, 5);
  });

  test('a revoked credential id cannot be registered again', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator();
    const existing = await h.enrol(idNat, key);
    await h.deps.credentials.revoke(idNat, existing.id);
    const { ceremonyKey, options } = await start(h, idNat);
    const response = key.register(options, { origin: ORIGIN, reuseCredentialId: existing.id });
    await refused(verifyRegistration(h.deps, { ceremonyKey, idNat, response }), 'already-registered');
    assert.equal(await h.deps.credentials.find(existing.id), null);
  });

  test('response id differing from the credential id in the authenticator data → verification-failed', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const { ceremonyKey, options } = await start(h, idNat);
    const response = createSoftAuthenticator().register(options, { origin: ORIGIN });
    const other = Buffer.from('another credential id').toString('base64url');
    const before = await h.snapshot();
    await refused(
      verifyRegistration(h.deps, { ceremonyKey, idNat, response: { ...response, id: other, rawId: other } }),
      'verification-failed',
      /credential id/,
    );
    assert.deepEqual(await h.snapshot(), before);
  });

  test('a bad name is refused before anything is consumed (CredentialNameError)', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const { ceremonyKey, options } = await start(h, idNat);
    const response = createSoftAuthenticator().register(options, { origin: ORIGIN });
    await assert.rejects(verifyRegistration(h.deps, { ceremonyKey, idNat, response, name: 'x'.repeat(61) }), CredentialNameError);
    assert.notEqual(await h.store.get(ceremonyKey), null, 'the challenge is still there');
    const credential = await verifyRegistration(h.deps, { ceremonyKey, idNat, response, name: 'Clé du bloc' });
    assert.equal(credential.name, 'Clé du bloc');
  });

  test('the soft authenticator signs ES256 as DER and EdDSA raw (what the library verifies)', () => {
    const options = {
      rp: { id: RP_ID, name: 'x' },
      user: { id: 'AAAA', name: 'u', displayName: 'u' },
      challenge: 'AAAA',
      pubKeyCredParams: [
        { alg: -7, type: 'public-key' as const },
        { alg: -8, type: 'public-key' as const },
      ],
    };
    const es256 = createSoftAuthenticator({ alg: 'ES256' });
    es256.register(options, { origin: ORIGIN });
    const assertion = es256.authenticate({ challenge: 'AAAA', rpId: RP_ID }, { origin: ORIGIN });
    assert.equal(Buffer.from(assertion.response.signature, 'base64url')[0], 0x30, 'DER SEQUENCE');
    const ed = createSoftAuthenticator({ alg: 'EdDSA' });
    ed.register(options, { origin: ORIGIN });
    assert.equal(Buffer.from(ed.authenticate({ challenge: 'AAAA', rpId: RP_ID }, { origin: ORIGIN }).response.signature, 'base64url').byteLength, 64);
  });
});
