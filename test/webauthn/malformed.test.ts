/**
 * Bodies that are not WebAuthn responses — wrong JSON shapes and types, bad base64url, bad
 * UTF-8/JSON client data, bad CBOR, truncated or padded authenticator data — are refused as
 * 'malformed' (never a TypeError or a library crash), the challenge is consumed, and nothing
 * stored changes. Run on Redis and in memory.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { createAuthenticationOptions } from '../../src/webauthn/authentication-options.ts';
import { WebAuthnError } from '../../src/webauthn/errors.ts';
import { createRegistrationOptions } from '../../src/webauthn/registration-options.ts';
import { verifyAuthentication } from '../../src/webauthn/verify-authentication.ts';
import { verifyRegistration } from '../../src/webauthn/verify-registration.ts';
import { encodeCbor } from '../support/cbor.ts';
import { createSoftAuthenticator, FLAG_AT, FLAG_UP, FLAG_UV } from '../support/soft-authenticator.ts';
import { eachBackend, ORIGIN, uniqueIdNat } from './harness.ts';

type Json = Record<string, unknown>;
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const clientData = (value: unknown) => b64(JSON.stringify(value));

/** A copy of `body` with `path` (dot-separated) set to `value`, or deleted when value is `DELETE`. */
const DELETE = Symbol('delete');
function withField(body: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(body) as Json;
  const parts = path.split('.');
  let target = copy;
  for (const part of parts.slice(0, -1)) target = target[part] as Json;
  const last = parts.at(-1) as string;
  if (value === DELETE) delete target[last];
  else target[last] = value;
  return copy;
}

function authData(options: { flags: number; extra?: Uint8Array; length?: number }): Uint8Array {
  const bytes = new Uint8Array(options.length ?? 37);
  bytes[32] = options.flags;
  return options.extra ? new Uint8Array(Buffer.concat([bytes, options.extra])) : bytes;
}

function attestationObject(authenticatorData: Uint8Array): string {
  return b64(
    encodeCbor(
      new Map<string, string | Uint8Array | Map<string, number>>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authenticatorData],
      ]),
    ),
  );
}

/** [what, how to spoil a valid registration response] */
const registrationCases: [string, (valid: Json) => unknown][] = [
  ['null body', () => null],
  ['a string body', () => 'public-key'],
  ['a number body', () => 42],
  ['an array body', (valid) => [valid]],
  ['an empty object', () => ({})],
  ['id missing', (valid) => withField(valid, 'id', DELETE)],
  ['id a number', (valid) => withField(valid, 'id', 12345)],
  ['id not base64url', (valid) => withField(withField(valid, 'id', 'abc+/def'), 'rawId', 'abc+/def')],
  ['id padded base64', (valid) => withField(withField(valid, 'id', `${valid.id as string}=`), 'rawId', `${valid.id as string}=`)],
  ['id with braces (key injection)', (valid) => withField(withField(valid, 'id', 'a}{b'), 'rawId', 'a}{b')],
  ['id too long', (valid) => withField(withField(valid, 'id', 'A'.repeat(1401)), 'rawId', 'A'.repeat(1401))],
  ['rawId different from id', (valid) => withField(valid, 'rawId', 'AAAA')],
  ['type not public-key', (valid) => withField(valid, 'type', 'password')],
  ['response missing', (valid) => withField(valid, 'response', DELETE)],
  ['response null', (valid) => withField(valid, 'response', null)],
  ['response a string', (valid) => withField(valid, 'response', 'attestation')],
  ['clientDataJSON missing', (valid) => withField(valid, 'response.clientDataJSON', DELETE)],
  ['clientDataJSON an object', (valid) => withField(valid, 'response.clientDataJSON', { type: 'webauthn.create' })],
  ['clientDataJSON not base64url', (valid) => withField(valid, 'response.clientDataJSON', '%%%not-base64%%%')],
  ['clientDataJSON of impossible length', (valid) => withField(valid, 'response.clientDataJSON', 'A')],
  ['clientDataJSON empty', (valid) => withField(valid, 'response.clientDataJSON', '')],
  ['clientDataJSON not UTF-8', (valid) => withField(valid, 'response.clientDataJSON', b64(Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d)))],
  ['clientDataJSON not JSON', (valid) => withField(valid, 'response.clientDataJSON', b64('type=webauthn.create'))],
  ['clientDataJSON a JSON array', (valid) => withField(valid, 'response.clientDataJSON', clientData(['webauthn.create']))],
  ['clientDataJSON JSON null', (valid) => withField(valid, 'response.clientDataJSON', clientData(null))],
  ['clientDataJSON without challenge', (valid) => withField(valid, 'response.clientDataJSON', clientData({ type: 'webauthn.create', origin: ORIGIN }))],
  [
    'clientDataJSON with a numeric challenge',
    (valid) => withField(valid, 'response.clientDataJSON', clientData({ type: 'webauthn.create', challenge: 1, origin: ORIGIN })),
  ],
  ['attestationObject missing', (valid) => withField(valid, 'response.attestationObject', DELETE)],
  ['attestationObject not base64url', (valid) => withField(valid, 'response.attestationObject', 'o3Nm~dA==')],
  ['attestationObject bad CBOR (reserved bytes)', (valid) => withField(valid, 'response.attestationObject', b64(Uint8Array.of(0xfc, 0xfd, 0xfe)))],
  [
    'attestationObject truncated CBOR',
    (valid) =>
      withField(valid, 'response.attestationObject', b64(Buffer.from((valid.response as Json).attestationObject as string, 'base64url').subarray(0, 40))),
  ],
  ['attestationObject a CBOR array', (valid) => withField(valid, 'response.attestationObject', b64(encodeCbor(['none', new Map(), new Uint8Array(37)])))],
  ['attestationObject a CBOR text', (valid) => withField(valid, 'response.attestationObject', b64(encodeCbor('attestation')))],
  [
    'attestationObject without authData',
    (valid) =>
      withField(
        valid,
        'response.attestationObject',
        b64(
          encodeCbor(
            new Map<string, string | Map<string, number>>([
              ['fmt', 'none'],
              ['attStmt', new Map()],
            ]),
          ),
        ),
      ),
  ],
  [
    'attestationObject with a text authData',
    (valid) =>
      withField(
        valid,
        'response.attestationObject',
        b64(
          encodeCbor(
            new Map<string, string | Map<string, number>>([
              ['fmt', 'none'],
              ['attStmt', new Map()],
              ['authData', 'bytes'],
            ]),
          ),
        ),
      ),
  ],
  [
    'attestationObject with a numeric fmt',
    (valid) =>
      withField(
        valid,
        'response.attestationObject',
        b64(
          encodeCbor(
            new Map<string, number | Uint8Array | Map<string, number>>([
              ['fmt', 1],
              ['attStmt', new Map()],
              ['authData', new Uint8Array(37)],
            ]),
          ),
        ),
      ),
  ],
  ['authData of 10 bytes', (valid) => withField(valid, 'response.attestationObject', attestationObject(new Uint8Array(10)))],
  [
    'authData without attested credential data',
    (valid) => withField(valid, 'response.attestationObject', attestationObject(authData({ flags: FLAG_UP | FLAG_UV }))),
  ],
  [
    'authData with AT set but truncated credential data',
    (valid) => withField(valid, 'response.attestationObject', attestationObject(authData({ flags: FLAG_UP | FLAG_UV | FLAG_AT, extra: new Uint8Array(20) }))),
  ],
  [
    'authData with leftover bytes',
    (valid) =>
      withField(
        valid,
        'response.attestationObject',
        attestationObject(
          new Uint8Array(Buffer.concat([Buffer.from((valid.response as Json).authenticatorData as string, 'base64url'), Buffer.from([1, 2, 3])])),
        ),
      ),
  ],
  ['transports not an array', (valid) => withField(valid, 'response.transports', 'usb')],
  ['transports with a number', (valid) => withField(valid, 'response.transports', ['usb', 7])],
  ['transports with markup', (valid) => withField(valid, 'response.transports', ['<script>'])],
  ['authenticatorAttachment unknown', (valid) => withField(valid, 'authenticatorAttachment', 'usb-c')],
  ['clientExtensionResults a string', (valid) => withField(valid, 'clientExtensionResults', 'credProps')],
];

/** [what, how to spoil a valid authentication response] */
const authenticationCases: [string, (valid: Json) => unknown][] = [
  ['null body', () => null],
  ['undefined body', () => undefined],
  ['a boolean body', () => true],
  ['an empty object', () => ({})],
  ['id missing', (valid) => withField(valid, 'id', DELETE)],
  ['id an array', (valid) => withField(valid, 'id', ['a'])],
  ['id not base64url', (valid) => withField(withField(valid, 'id', 'not base64!'), 'rawId', 'not base64!')],
  ['id with a glob (key injection)', (valid) => withField(withField(valid, 'id', 'abc*'), 'rawId', 'abc*')],
  ['rawId different from id', (valid) => withField(valid, 'rawId', 'AAAA')],
  ['type missing', (valid) => withField(valid, 'type', DELETE)],
  ['response an array', (valid) => withField(valid, 'response', [])],
  ['clientDataJSON a number', (valid) => withField(valid, 'response.clientDataJSON', 1)],
  ['clientDataJSON not base64url', (valid) => withField(valid, 'response.clientDataJSON', 'eyJ0eXBlIjoi d2ViYXV0aG4uZ2V0In0')],
  ['clientDataJSON not JSON', (valid) => withField(valid, 'response.clientDataJSON', b64('{"type":"webauthn.get",'))],
  [
    'clientDataJSON with an origin object',
    (valid) => withField(valid, 'response.clientDataJSON', clientData({ type: 'webauthn.get', challenge: 'AAAA', origin: { href: ORIGIN } })),
  ],
  ['authenticatorData missing', (valid) => withField(valid, 'response.authenticatorData', DELETE)],
  ['authenticatorData not base64url', (valid) => withField(valid, 'response.authenticatorData', '..')],
  ['authenticatorData of 36 bytes', (valid) => withField(valid, 'response.authenticatorData', b64(new Uint8Array(36)))],
  [
    'authenticatorData with leftover bytes',
    (valid) =>
      withField(
        valid,
        'response.authenticatorData',
        b64(Buffer.concat([Buffer.from((valid.response as Json).authenticatorData as string, 'base64url'), Buffer.from([0])])),
      ),
  ],
  [
    'authenticatorData with AT set and garbage credential data',
    (valid) => withField(valid, 'response.authenticatorData', b64(authData({ flags: FLAG_UP | FLAG_UV | FLAG_AT, extra: new Uint8Array(18).fill(0xff) }))),
  ],
  [
    'authenticatorData announcing extensions with bad CBOR',
    (valid) => withField(valid, 'response.authenticatorData', b64(authData({ flags: FLAG_UP | FLAG_UV | 0x80, extra: Uint8Array.of(0xff, 0xff) }))),
  ],
  ['signature missing', (valid) => withField(valid, 'response.signature', DELETE)],
  ['signature empty', (valid) => withField(valid, 'response.signature', '')],
  ['signature not base64url', (valid) => withField(valid, 'response.signature', 'MEUCIQ+/==')],
  ['userHandle a number', (valid) => withField(valid, 'response.userHandle', 5)],
  ['userHandle not base64url', (valid) => withField(valid, 'response.userHandle', 'user:1')],
  ['userHandle too long', (valid) => withField(valid, 'response.userHandle', 'A'.repeat(87))],
  ['authenticatorAttachment a number', (valid) => withField(valid, 'authenticatorAttachment', 1)],
];

async function assertMalformed(promise: Promise<unknown>, what: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof WebAuthnError,
    `${what}: expected WebAuthnError malformed, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`,
  );
  assert.equal(caught.code, 'malformed', `${what}: expected malformed, got ${caught.code}: ${caught.message}`);
  assert.match(caught.message, /^webauthn malformed: expected /);
  if (process.env.SHOW_MALFORMED) console.error(`${what} → ${caught.message}`);
}

eachBackend('malformed responses', (bench) => {
  test('registration: every spoiled body → malformed, nothing stored, challenge consumed', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    await h.enrol(idNat, createSoftAuthenticator());
    for (const [what, spoil] of registrationCases) {
      const ceremonyKey = h.ceremonyKey('webauthn-register');
      const options = await createRegistrationOptions(h.deps, { ceremonyKey, idNat, userName: idNat, displayName: idNat });
      const valid = createSoftAuthenticator().register(options, { origin: ORIGIN }) as unknown as Json;
      const body = spoil(valid);
      const before = await h.snapshot();
      await assertMalformed(verifyRegistration(h.deps, { ceremonyKey, idNat, response: body }), `registration with ${what}`);
      assert.deepEqual(await h.snapshot(), before, `registration with ${what}: nothing stored`);
      assert.equal(await h.store.get(ceremonyKey), null, `registration with ${what}: challenge consumed`);
    }
  });

  test('authentication: every spoiled body → malformed, nothing stored, challenge consumed', async () => {
    const h = bench();
    const key = createSoftAuthenticator();
    const enrolled = await h.enrol(uniqueIdNat(), key);
    for (const [what, spoil] of authenticationCases) {
      const ceremonyKey = h.ceremonyKey('webauthn-auth');
      const options = await createAuthenticationOptions(h.deps, { ceremonyKey });
      const valid = key.authenticate(options, { origin: ORIGIN }) as unknown as Json;
      const before = await h.snapshot();
      await assertMalformed(verifyAuthentication(h.deps, { ceremonyKey, response: spoil(valid) }), `authentication with ${what}`);
      assert.deepEqual(await h.snapshot(), before, `authentication with ${what}: nothing stored`);
      assert.equal(await h.store.get(ceremonyKey), null, `authentication with ${what}: challenge consumed`);
    }
    const stored = await h.deps.credentials.find(enrolled.id);
    assert.equal(stored?.counter, 0);
    assert.equal(stored?.lastUsedAt, undefined);
  });

  test('the untouched responses of the same runs verify (the cases spoil only what they say)', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator();
    const ceremonyKey = h.ceremonyKey('webauthn-register');
    const options = await createRegistrationOptions(h.deps, { ceremonyKey, idNat, userName: idNat, displayName: idNat });
    const registration = key.register(options, { origin: ORIGIN });
    await verifyRegistration(h.deps, { ceremonyKey, idNat, response: JSON.parse(JSON.stringify(registration)) });
    const { ceremonyKey: authKey, response } = await h.assertion(key);
    assert.equal((await verifyAuthentication(h.deps, { ceremonyKey: authKey, response: JSON.parse(JSON.stringify(response)) })).idNat, idNat);
  });

  test('null userHandle, empty userHandle and null authenticatorAttachment are accepted as absent', async () => {
    const h = bench();
    const idNat = uniqueIdNat();
    const key = createSoftAuthenticator();
    await h.enrol(idNat, key);
    for (const patch of [{ userHandle: null }, { userHandle: '' }]) {
      const { ceremonyKey, response } = await h.assertion(key);
      const body = { ...response, authenticatorAttachment: null, response: { ...response.response, ...patch } };
      assert.equal((await verifyAuthentication(h.deps, { ceremonyKey, response: body })).idNat, idNat);
    }
  });
});
