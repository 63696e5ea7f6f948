/**
 * Sign-in ceremony with real assertion bytes, on Redis and in memory: passwordless
 * (discoverable, user handle → account) and second factor (allowCredentials of one
 * account); every refusal leaves credential records, counters, lastUsedAt and sets as they
 * were — except a counter regression, which blocks the key.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'vitest';
import { createAuthenticationOptions } from '../../src/webauthn/authentication-options.ts';
import { WebAuthnError, type WebAuthnErrorCode } from '../../src/webauthn/errors.ts';
import { verifyAuthentication } from '../../src/webauthn/verify-authentication.ts';
import { createSoftAuthenticator, type SoftAuthenticateContext } from '../support/soft-authenticator.ts';
import { eachBackend, ORIGIN, RP_ID, uniqueIdNat, refused } from './harness.ts';

eachBackend('authentication', (bench) => {
  test('options: discoverable (no allowCredentials), UV required, rpId, timeout; challenge stored with a TTL', async () => {
    const h = bench();
    const ceremonyKey = h.ceremonyKey('webauthn-auth');
    const options = await createAuthenticationOptions(h.deps, { ceremonyKey });
    assert.equal(options.rpId, RP_ID);
    assert.equal(options.userVerification, 'required');
    assert.equal(options.allowCredentials, undefined);
    assert.equal(options.timeout, 120_000);
    assert.match(options.challenge, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(JSON.parse(JSON.stringify(options)).allowCredentials, undefined, 'no allowCredentials in the JSON sent');
    const ttl = await h.store.ttl(ceremonyKey);
    assert.ok(ttl > 290 && ttl <= 300, `expected a TTL near 300 s, got ${ttl}`);
  });

  test('success (passwordless): the user handle finds the account; counter, backedUp and lastUsedAt recorded', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator({ alg: 'EdDSA', attestation: 'packed' });
    const enrolled = await h.enrol(idNat, key);
    await h.enrol(uniqueIdNat(), createSoftAuthenticator());
    const { ceremonyKey, response } = await h.assertion(key);
    assert.equal(response.response.userHandle, await h.deps.credentials.userHandleFor(idNat));

    const result = await verifyAuthentication(h.deps, { ceremonyKey, response, now: 1_770_000_000_000 });
    assert.equal(result.idNat, idNat);
    assert.deepEqual(result.credential, { ...enrolled, counter: 1, lastUsedAt: 1_770_000_000_000 });
    assert.deepEqual(await h.deps.credentials.find(enrolled.id), result.credential);
    assert.equal(await h.store.get(ceremonyKey), null, 'the challenge is consumed');

    const again = await h.assertion(key);
    const second = await verifyAuthentication(h.deps, { ceremonyKey: again.ceremonyKey, response: again.response, now: 1_770_000_060_000 });
    assert.equal(second.credential.counter, 2);
    assert.equal(second.credential.lastUsedAt, 1_770_000_060_000);
  });

  test('success: a synced passkey with a counter that stays 0 signs in again and again', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const phone = createSoftAuthenticator({ backupEligible: true, backedUp: true, counter: 'zero', transports: ['hybrid', 'internal'] });
    await h.enrol(idNat, phone);
    for (let i = 0; i < 3; i += 1) {
      const { ceremonyKey, response } = await h.assertion(phone);
      const result = await verifyAuthentication(h.deps, { ceremonyKey, response });
      assert.equal(result.idNat, idNat);
      assert.equal(result.credential.counter, 0);
      assert.equal(result.credential.backedUp, true);
    }
  });

  for (const alg of ['ES256', 'EdDSA'] as const) {
    for (const attestation of ['none', 'packed'] as const) {
      test(`success: ${alg} key with ${attestation} attestation enrols and signs in`, async () => {
        const h = bench();
        const idNat = uniqueIdNat();
        const key = createSoftAuthenticator({ alg, attestation });
        const enrolled = await h.enrol(idNat, key);
        assert.equal(enrolled.attestationFormat, attestation);
        const { ceremonyKey, response } = await h.assertion(key);
        assert.equal((await verifyAuthentication(h.deps, { ceremonyKey, response })).credential.counter, 1);
      });
    }
  }

  test('success without a user handle in the response (the credential alone names the account)', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator();
    await h.enrol(idNat, key);
    const { ceremonyKey, response } = await h.assertion(key, { context: { userHandle: null } });
    assert.equal(response.response.userHandle, undefined);
    assert.equal((await verifyAuthentication(h.deps, { ceremonyKey, response })).idNat, idNat);
  });

  test('replayed assertion: the same response twice → the second is challenge-expired and changes nothing', async () => {
    const h = bench();
    const key = createSoftAuthenticator();
    await h.enrol(uniqueIdNat(), key);
    const { ceremonyKey, response } = await h.assertion(key);
    await verifyAuthentication(h.deps, { ceremonyKey, response });
    const before = await h.snapshot();
    await refused(
      verifyAuthentication(h.deps, { ceremonyKey, response, now: Date.now() + 1000 }),
      'challenge-expired',
      /expected a pending authentication challenge, got none/,
    );
    assert.deepEqual(await h.snapshot(), before);
  });

  test('a replayed assertion under a fresh challenge fails the challenge check', async () => {
    const h = bench();
    const key = createSoftAuthenticator();
    await h.enrol(uniqueIdNat(), key);
    const { ceremonyKey, response } = await h.assertion(key);
    await verifyAuthentication(h.deps, { ceremonyKey, response });
    const fresh = h.ceremonyKey('webauthn-auth');
    await createAuthenticationOptions(h.deps, { ceremonyKey: fresh });
    const before = await h.snapshot();
    await refused(verifyAuthentication(h.deps, { ceremonyKey: fresh, response }), 'verification-failed', /challenge/);
    assert.deepEqual(await h.snapshot(), before);
  });

  const tampered: [string, Partial<SoftAuthenticateContext> | 'wrong-challenge', WebAuthnErrorCode, RegExp][] = [
    ['wrong origin', { origin: 'https://phishing.example' }, 'verification-failed', /origin "https:\/\/phishing\.example"/],
    ['wrong rpId', { rpId: 'chu-exemple.fr' }, 'verification-failed', /RP ID hash, expected the SHA-256 of "connexion\.chu-exemple\.fr"/],
    ['wrong challenge', 'wrong-challenge', 'verification-failed', /challenge/],
    ['UV flag missing', { userVerified: false }, 'user-verification-missing', /UV flag/],
    ['UP flag missing', { userPresent: false }, 'verification-failed', /not present/],
    ['client data of a registration', { clientData: { type: 'webauthn.create' } }, 'verification-failed', /type/],
    ['cross-origin iframe', { clientData: { crossOrigin: true, topOrigin: 'https://framing.example' } }, 'verification-failed', /top origin/],
  ];
  for (const [what, tamper, code, message] of tampered) {
    test(`refused: ${what} → ${code}; counters, lastUsedAt and sets unchanged`, async () => {
      const h = bench();
      const key = createSoftAuthenticator();
      const enrolled = await h.enrol(uniqueIdNat(), key);
      const ceremonyKey = h.ceremonyKey('webauthn-auth');
      const options = await createAuthenticationOptions(h.deps, { ceremonyKey });
      const response =
        tamper === 'wrong-challenge'
          ? key.authenticate({ ...options, challenge: randomBytes(32).toString('base64url') }, { origin: ORIGIN })
          : key.authenticate(options, { origin: ORIGIN, ...tamper });
      const before = await h.snapshot();
      const error = await refused(verifyAuthentication(h.deps, { ceremonyKey, response }), code, message);
      assert.ok(error.detail, 'the library reason is kept as detail');
      assert.deepEqual(await h.snapshot(), before);
      const stored = await h.deps.credentials.find(enrolled.id);
      assert.equal(stored?.counter, 0);
      assert.equal(stored?.lastUsedAt, undefined);
      assert.equal(stored?.blocked, undefined);
      assert.equal(await h.store.get(ceremonyKey), null, 'the challenge is consumed by the failed attempt');
    });
  }

  test('a signature made by another key → verification-failed, nothing stored', async () => {
    const h = bench();
    const key = createSoftAuthenticator();
    const enrolled = await h.enrol(uniqueIdNat(), key);
    const impostor = createSoftAuthenticator();
    const options = {
      rp: { id: RP_ID, name: 'x' },
      user: { id: enrolled.id.slice(0, 8), name: 'x', displayName: 'x' },
      challenge: 'AAAA',
      pubKeyCredParams: [{ alg: -7, type: 'public-key' as const }],
    };
    impostor.register(options, { origin: ORIGIN });
    const { ceremonyKey, response } = await h.assertion(impostor);
    const forged = {
      ...response,
      id: enrolled.id,
      rawId: enrolled.id,
      response: { ...response.response, userHandle: await h.deps.credentials.userHandleFor(enrolled.idNat) },
    };
    const before = await h.snapshot();
    await refused(verifyAuthentication(h.deps, { ceremonyKey, response: forged }), 'verification-failed', /signature/);
    assert.deepEqual(await h.snapshot(), before);
  });

  test('unknown credential → unknown-credential, nothing stored', async () => {
    const h = bench();
    const stranger = createSoftAuthenticator();
    stranger.register(
      {
        rp: { id: RP_ID, name: 'x' },
        user: { id: 'AAAAAAAA', name: 'x', displayName: 'x' },
        challenge: 'AAAA',
        pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
      },
      { origin: ORIGIN },
    );
    const { ceremonyKey, response } = await h.assertion(stranger);
    const before = await h.snapshot();
    await refused(verifyAuthentication(h.deps, { ceremonyKey, response }), 'unknown-credential');
    assert.deepEqual(await h.snapshot(), before);
  });

  test('revoked key → revoked, and it stays revoked', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator();
    const enrolled = await h.enrol(idNat, key);
    assert.equal(await h.deps.credentials.revoke(idNat, enrolled.id), true);
    const before = await h.snapshot();
    for (let i = 0; i < 2; i += 1) {
      const { ceremonyKey, response } = await h.assertion(key);
      await refused(verifyAuthentication(h.deps, { ceremonyKey, response }), 'revoked');
    }
    assert.deepEqual(await h.snapshot(), before);
    assert.equal(await h.deps.credentials.find(enrolled.id), null);
  });

  test('revokeAll (offboarding) → every key of the account is refused as revoked', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const keys = [createSoftAuthenticator(), createSoftAuthenticator({ alg: 'EdDSA' })];
    for (const key of keys) await h.enrol(idNat, key);
    assert.equal(await h.deps.credentials.revokeAll(idNat), 2);
    for (const key of keys) {
      const { ceremonyKey, response } = await h.assertion(key);
      await refused(verifyAuthentication(h.deps, { ceremonyKey, response }), 'revoked');
    }
  });

  test('counter going backwards: the key is blocked (possible clone), later attempts are refused as blocked', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator();
    const enrolled = await h.enrol(idNat, key);
    let lastUsedAt = 0;
    for (let i = 0; i < 3; i += 1) {
      const { ceremonyKey, response } = await h.assertion(key);
      lastUsedAt = 1_779_000_000_000 + i;
      await verifyAuthentication(h.deps, { ceremonyKey, response, now: lastUsedAt });
    }
    assert.equal((await h.deps.credentials.find(enrolled.id))?.counter, 3);

    const clone = await h.assertion(key, { context: { counterOverride: 2 } });
    await refused(
      verifyAuthentication(h.deps, { ceremonyKey: clone.ceremonyKey, response: clone.response, now: 1_780_000_000_000 }),
      'counter-regression',
      /above 3, got 2/,
    );
    const blocked = await h.deps.credentials.find(enrolled.id);
    assert.deepEqual(blocked?.blocked, { reason: 'counter-regression', at: 1_780_000_000_000 });
    assert.equal(blocked?.counter, 3, 'the regressed counter is not recorded');
    assert.equal(blocked?.lastUsedAt, lastUsedAt, 'the refused attempt is not recorded as a use');

    const before = await h.snapshot();
    const genuine = await h.assertion(key, { context: { counterOverride: 10 } });
    await refused(verifyAuthentication(h.deps, { ceremonyKey: genuine.ceremonyKey, response: genuine.response }), 'blocked', /counter-regression/);
    assert.deepEqual(await h.snapshot(), before);
    await assert.rejects(createAuthenticationOptions(h.deps, { ceremonyKey: h.ceremonyKey(), forAccount: idNat }), { code: 'no-credentials' });
  });

  test('an equal counter is a regression too; a counter that starts at 0 and stays 0 is not', async () => {
    const h = bench();
    const key = createSoftAuthenticator();
    const enrolled = await h.enrol(uniqueIdNat(), key);
    const first = await h.assertion(key, { context: { counterOverride: 0 } });
    await verifyAuthentication(h.deps, { ceremonyKey: first.ceremonyKey, response: first.response });
    const raised = await h.assertion(key, { context: { counterOverride: 4 } });
    await verifyAuthentication(h.deps, { ceremonyKey: raised.ceremonyKey, response: raised.response });
    const same = await h.assertion(key, { context: { counterOverride: 4 } });
    await refused(verifyAuthentication(h.deps, { ceremonyKey: same.ceremonyKey, response: same.response }), 'counter-regression');
    assert.equal((await h.deps.credentials.find(enrolled.id))?.blocked?.reason, 'counter-regression');
  });

  test('a forged assertion with a low counter but a bad signature does not block the key', async () => {
    const h = bench();
    const key = createSoftAuthenticator();
    const enrolled = await h.enrol(uniqueIdNat(), key);
    const good = await h.assertion(key, { context: { counterOverride: 5 } });
    await verifyAuthentication(h.deps, { ceremonyKey: good.ceremonyKey, response: good.response });
    const low = await h.assertion(key, { context: { counterOverride: 1 } });
    const signature = Buffer.from(low.response.response.signature, 'base64url');
    signature[signature.length - 1] = (signature.at(-1) ?? 0) ^ 0xff;
    const forged = { ...low.response, response: { ...low.response.response, signature: signature.toString('base64url') } };
    const before = await h.snapshot();
    await refused(verifyAuthentication(h.deps, { ceremonyKey: low.ceremonyKey, response: forged }), 'verification-failed');
    assert.deepEqual(await h.snapshot(), before);
    assert.equal((await h.deps.credentials.find(enrolled.id))?.blocked, undefined);
  });

  test('user handle of another account → wrong-account, nothing stored', async () => {
    const h = bench();
    const key = createSoftAuthenticator();
    await h.enrol(uniqueIdNat(), key);
    const otherAccount = uniqueIdNat();
    await h.enrol(otherAccount, createSoftAuthenticator());
    const otherHandle = await h.deps.credentials.userHandleFor(otherAccount);
    for (const userHandle of [otherHandle, randomBytes(32).toString('base64url')]) {
      const { ceremonyKey, response } = await h.assertion(key, { context: { userHandle } });
      const before = await h.snapshot();
      await refused(verifyAuthentication(h.deps, { ceremonyKey, response }), 'wrong-account', /user handle/);
      assert.deepEqual(await h.snapshot(), before);
    }
  });

  test("a user handle is checked against the account's own handle, not a reverse index pointing at the account", async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator();
    await h.enrol(idNat, key);
    const stray = randomBytes(32).toString('base64url');
    await h.store.set(h.keyNames.userHandle(stray), idNat);
    const { ceremonyKey, response } = await h.assertion(key, { context: { userHandle: stray } });
    await refused(verifyAuthentication(h.deps, { ceremonyKey, response }), 'wrong-account', /user handle/);
    const own = await h.assertion(key);
    assert.equal(own.response.response.userHandle, await h.deps.credentials.userHandleOf(idNat));
    assert.equal((await verifyAuthentication(h.deps, { ceremonyKey: own.ceremonyKey, response: own.response })).idNat, idNat);
  });

  test("second factor: options list only that account's usable keys, with transports", async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const usb = await h.enrol(idNat, createSoftAuthenticator({ transports: ['usb', 'nfc'] }));
    const phoneKey = createSoftAuthenticator({ backupEligible: true, transports: ['hybrid', 'internal'] });
    const phone = await h.enrol(idNat, phoneKey);
    const blocked = await h.enrol(idNat, createSoftAuthenticator());
    await h.deps.credentials.block(blocked.id, 'counter-regression', 1);
    await h.enrol(uniqueIdNat(), createSoftAuthenticator());

    const ceremonyKey = h.ceremonyKey('webauthn-auth');
    const options = await createAuthenticationOptions(h.deps, { ceremonyKey, forAccount: idNat });
    // In enrolment order; two keys enrolled in the same millisecond come in id order.
    const byId = <T extends { id: string }>(list: T[] | undefined) => [...(list ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1));
    assert.deepEqual(
      byId(options.allowCredentials),
      byId([
        { id: usb.id, transports: ['usb', 'nfc'], type: 'public-key' },
        { id: phone.id, transports: ['hybrid', 'internal'], type: 'public-key' },
      ]),
    );
    assert.equal(options.userVerification, 'required');
    const response = phoneKey.authenticate(options, { origin: ORIGIN });
    assert.equal((await verifyAuthentication(h.deps, { ceremonyKey, response })).idNat, idNat);
  });

  test("second factor: an assertion from another account's key is refused (wrong-account), nothing stored", async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    await h.enrol(idNat, createSoftAuthenticator());
    const intruderKey = createSoftAuthenticator();
    await h.enrol(uniqueIdNat(), intruderKey);
    const ceremonyKey = h.ceremonyKey('webauthn-auth');
    const options = await createAuthenticationOptions(h.deps, { ceremonyKey, forAccount: idNat });
    // A browser would not offer it; a scripted client can still send it.
    const response = intruderKey.authenticate({ ...options, allowCredentials: [] }, { origin: ORIGIN });
    const before = await h.snapshot();
    await refused(verifyAuthentication(h.deps, { ceremonyKey, response }), 'wrong-account', new RegExp(`credential of account ${idNat}`));
    assert.deepEqual(await h.snapshot(), before);
  });

  test('second factor for an account without keys → no-credentials, no challenge stored', async () => {
    const h = bench();
    const ceremonyKey = h.ceremonyKey('webauthn-auth');
    await assert.rejects(createAuthenticationOptions(h.deps, { ceremonyKey, forAccount: uniqueIdNat() }), (error: unknown) => {
      assert.ok(error instanceof WebAuthnError);
      assert.equal(error.code, 'no-credentials');
      return true;
    });
    assert.equal(await h.store.get(ceremonyKey), null);
  });

  test('a registration challenge cannot be used for a sign-in', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator();
    await h.enrol(idNat, key);
    const ceremonyKey = h.ceremonyKey('webauthn-register');
    const { createRegistrationOptions } = await import('../../src/webauthn/registration-options.ts');
    const creation = await createRegistrationOptions(h.deps, { ceremonyKey, idNat, userName: idNat, displayName: idNat });
    const response = key.authenticate({ challenge: creation.challenge, rpId: RP_ID }, { origin: ORIGIN });
    await refused(verifyAuthentication(h.deps, { ceremonyKey, response }), 'challenge-expired', /got a registration challenge/);
  });

  test('a challenge that expired → challenge-expired', async () => {
    const h = bench();
    const key = createSoftAuthenticator();
    await h.enrol(uniqueIdNat(), key);
    const ceremonyKey = h.ceremonyKey('webauthn-auth');
    const options = await createAuthenticationOptions({ ...h.deps, settings: { ...h.deps.settings, challengeTtlSeconds: 1 } }, { ceremonyKey });
    const response = key.authenticate(options, { origin: ORIGIN });
    await h.elapse(1.1);
    await refused(verifyAuthentication(h.deps, { ceremonyKey, response }), 'challenge-expired');
  });
});
