/**
 * "Attested" means a verified certificate chain: real packed attestations (x5c made by a test
 * PKI), a test FIDO MDS BLOB imported into the store, establishment roots; then the level each
 * key gets, the webauthn.requireAttestation policy, and the models MDS reports as revoked or
 * compromised (enrolment refused, an existing key refused at its next use). Both backends.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { loadPolicy, keyOwnAssurance } from '../../src/assurance/index.ts';
import { createMetadataStore, importBlob, type MetadataStore } from '../../src/mds/index.ts';
import { verifyAuthentication } from '../../src/webauthn/verify-authentication.ts';
import { createRegistrationOptions, verifyRegistration, type WebAuthnDeps } from '../../src/webauthn/index.ts';
import type { AttestationAnchors } from '../../src/webauthn/types.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { createTestMds, attestationCertificate, der, type TestMds } from '../support/test-mds.ts';
import { createTestPki, type PemPair, type TestCa, type TestPki } from '../support/test-pki.ts';
import { eachBackend, ORIGIN, refused, uniqueIdNat, type Harness } from './harness.ts';

const LISTED = 'cb69481e-8ff7-4039-93ec-0a2729a154a8'; // in the BLOB, on the allow-list
const LATER_REVOKED = '7e57a000-0000-4000-8000-000000000002'; // in BLOB 1 certified, in BLOB 2 revoked
const REVOKED = '7e57a000-0000-4000-8000-000000000003'; // REVOKED in every BLOB
const UV_BYPASS = '7e57a000-0000-4000-8000-000000000004'; // USER_VERIFICATION_BYPASS
const BOUGHT = '7e57a000-0000-4000-8000-000000000005'; // not in MDS: the hospital's own root

let pki: TestPki;
let mds: TestMds;
let vendorRoot: TestCa;
let rogueRoot: TestCa;
let hospitalRoot: TestCa;
const certs = new Map<string, PemPair>();

beforeAll(() => {
  pki = createTestPki();
  mds = createTestMds(pki);
  vendorRoot = pki.ca('vendor-root');
  rogueRoot = pki.ca('rogue-root');
  hospitalRoot = pki.ca('hospital-root');
  for (const aaguid of [LISTED, LATER_REVOKED, REVOKED, UV_BYPASS]) certs.set(aaguid, attestationCertificate(vendorRoot, `vendor-${aaguid.slice(-4)}`, aaguid));
  certs.set(`rogue:${LISTED}`, attestationCertificate(rogueRoot, 'rogue-listed', LISTED));
  certs.set(BOUGHT, attestationCertificate(hospitalRoot, 'hospital-bought', BOUGHT));
});
afterAll(() => pki.remove());

function blob(no: number, laterRevokedStatus = 'FIDO_CERTIFIED_L1'): string {
  const roots = [vendorRoot.cert];
  return mds.blob({
    no,
    entries: [
      { aaguid: LISTED, roots, description: 'Test Key 5' },
      { aaguid: LATER_REVOKED, roots, statuses: ['FIDO_CERTIFIED_L1', laterRevokedStatus] },
      { aaguid: REVOKED, roots, statuses: ['FIDO_CERTIFIED_L1', 'REVOKED'] },
      { aaguid: UV_BYPASS, roots, statuses: ['USER_VERIFICATION_BYPASS'] },
    ],
  });
}

/** A device-bound key of that model: full attestation with `cert` (and its CA), or self attestation. */
function key(aaguid: string, cert?: PemPair, ca?: TestCa): SoftAuthenticator {
  return createSoftAuthenticator({
    attestation: 'packed',
    aaguid,
    ...(cert ? { attestationCertificate: { key: cert.key, chain: [der(cert.cert), ...(ca ? [der(ca.cert)] : [])] } } : {}),
  });
}

const policy = loadPolicy('config/assurance.json');
const listed = { ...policy, webauthn: { ...policy.webauthn, attested: { ...policy.webauthn.attested, allowList: [LISTED, BOUGHT] } } };

eachBackend('attestation trust', (bench) => {
  let h: Harness;
  let metadata: MetadataStore;

  beforeAll(async () => {
    h = bench();
    // refreshMs 0: every ceremony reads the summary, so an import applies at once in the test.
    metadata = createMetadataStore(h.store, h.keyNames, { refreshMs: 0 });
    await importBlob(metadata, blob(1), { roots: [mds.root.cert] });
  });

  function deps(options: { require?: boolean; establishment?: boolean } = {}): WebAuthnDeps {
    const attestationAnchors: AttestationAnchors = { metadata, establishmentRoots: options.establishment ? [hospitalRoot.cert] : [] };
    return { ...h.deps, settings: { ...h.deps.settings, requireAttestation: options.require ?? false, attestationAnchors } };
  }

  /** Registration options and the key's answer; `verify()` runs the gateway's check. */
  async function registration(d: WebAuthnDeps, authenticator: SoftAuthenticator, idNat = uniqueIdNat()) {
    const ceremonyKey = h.ceremonyKey('webauthn-register');
    const options = await createRegistrationOptions(d, { ceremonyKey, idNat, userName: idNat, displayName: `Dr ${idNat}` });
    const response = authenticator.register(options, { origin: ORIGIN });
    return { idNat, verify: () => verifyRegistration(d, { ceremonyKey, idNat, response }) };
  }

  async function enrol(d: WebAuthnDeps, authenticator: SoftAuthenticator) {
    const { idNat, verify } = await registration(d, authenticator);
    return { idNat, promise: verify() };
  }

  async function signIn(d: WebAuthnDeps, authenticator: SoftAuthenticator) {
    const { ceremonyKey, response } = await h.assertion(authenticator);
    return verifyAuthentication(d, { ceremonyKey, response });
  }

  it('a self attestation with a listed AAGUID is not verified: webauthn-device (eidas2)', async () => {
    const credential = await (await enrol(deps(), key(LISTED))).promise;
    assert.deepEqual(credential.attestation, { verified: false });
    assert.equal(credential.attestationFormat, 'packed');
    const level = keyOwnAssurance(listed, credential);
    assert.deepEqual([level.method, level.acr], ['webauthn-device', 'eidas2']);
  });

  it('a full chain to the MDS roots of a listed AAGUID is verified: webauthn-attested (eidas3), also when attestation is required', async () => {
    for (const require of [false, true]) {
      const { idNat, promise } = await enrol(deps({ require }), key(LISTED, certs.get(LISTED), vendorRoot));
      const credential = await promise;
      assert.deepEqual(credential.attestation, { verified: true, anchor: 'mds' });
      assert.deepEqual(
        (await h.deps.credentials.listByAccount(idNat)).map((c) => c.attestation),
        [{ verified: true, anchor: 'mds' }],
        'stored as verified',
      );
      const level = keyOwnAssurance(listed, credential);
      assert.deepEqual([level.method, level.acr], ['webauthn-attested', 'eidas3']);
    }
  });

  it('the attestation certificate alone (no root in x5c) is verified too', async () => {
    const credential = await (await enrol(deps(), key(LISTED, certs.get(LISTED)))).promise;
    assert.deepEqual(credential.attestation, { verified: true, anchor: 'mds' });
  });

  it('a chain to another root claiming a listed AAGUID is not verified, and refused when attestation is required (nothing stored)', async () => {
    const rogue = certs.get(`rogue:${LISTED}`);
    const credential = await (await enrol(deps(), key(LISTED, rogue, rogueRoot))).promise;
    assert.deepEqual(credential.attestation, { verified: false });
    assert.equal(keyOwnAssurance(listed, credential).acr, 'eidas2');

    const { idNat, promise } = await enrol(deps({ require: true }), key(LISTED, rogue, rogueRoot));
    await refused(promise, 'attestation-required', /no trust anchor/);
    assert.deepEqual(await h.deps.credentials.listByAccount(idNat), []);
  });

  it('a self attestation is refused when attestation is required', async () => {
    const { idNat, promise } = await enrol(deps({ require: true }), key(LISTED));
    await refused(promise, 'attestation-required');
    assert.deepEqual(await h.deps.credentials.listByAccount(idNat), []);
  });

  it('a model not in MDS whose chain leads to an establishment root is verified (anchor establishment); without that root it is not', async () => {
    const bought = certs.get(BOUGHT);
    const unknown = await (await enrol(deps(), key(BOUGHT, bought, hospitalRoot))).promise;
    assert.deepEqual(unknown.attestation, { verified: false });
    const { promise } = await enrol(deps({ require: true }), key(BOUGHT, bought, hospitalRoot));
    await refused(promise, 'attestation-required');

    const credential = await (await enrol(deps({ require: true, establishment: true }), key(BOUGHT, bought, hospitalRoot))).promise;
    assert.deepEqual(credential.attestation, { verified: true, anchor: 'establishment' });
    const level = keyOwnAssurance(listed, credential);
    assert.deepEqual([level.method, level.acr], ['webauthn-attested', 'eidas3']);
  });

  it('an establishment root does not vouch for a chain to another root', async () => {
    const credential = await (await enrol(deps({ establishment: true }), key(LISTED, certs.get(`rogue:${LISTED}`), rogueRoot))).promise;
    assert.deepEqual(credential.attestation, { verified: false });
  });

  it('a model MDS reports REVOKED or USER_VERIFICATION_BYPASS cannot be enrolled, even self-attested; nothing is stored', async () => {
    for (const [aaguid, status] of [
      [REVOKED, 'REVOKED'],
      [UV_BYPASS, 'USER_VERIFICATION_BYPASS'],
    ] as const) {
      for (const authenticator of [key(aaguid, certs.get(aaguid), vendorRoot), key(aaguid)]) {
        const { idNat, verify } = await registration(deps(), authenticator);
        const before = await h.snapshot();
        const error = await refused(verify(), 'model-compromised', new RegExp(status));
        assert.deepEqual(error.compromise, { aaguid, status, model: `Test key ${aaguid.slice(0, 8)}` });
        assert.deepEqual(await h.deps.credentials.listByAccount(idNat), []);
        assert.deepEqual(await h.snapshot(), before, 'nothing stored');
      }
    }
  });

  it('a key in use is refused at its next sign-in once a newer BLOB reports its model revoked; the refusal changes nothing stored', async () => {
    const authenticator = key(LATER_REVOKED, certs.get(LATER_REVOKED), vendorRoot);
    const d = deps();
    const credential = await (await enrol(d, authenticator)).promise;
    assert.deepEqual(credential.attestation, { verified: true, anchor: 'mds' });
    const first = await signIn(d, authenticator);
    assert.equal(first.credential.counter, 1);

    const imported = await importBlob(metadata, blob(2, 'REVOKED'), { roots: [mds.root.cert] });
    assert.equal(imported.info.no, 2);
    const before = await h.snapshot();
    const error = await refused(signIn(d, authenticator), 'key-model-compromised', /REVOKED/);
    assert.deepEqual(error.compromise, { aaguid: LATER_REVOKED, status: 'REVOKED', model: `Test key ${LATER_REVOKED.slice(0, 8)}` });
    assert.deepEqual(await h.snapshot(), before, 'counter and last use unchanged');
    await refused(signIn(d, authenticator), 'key-model-compromised');

    // Another model of the same BLOB still signs in.
    const other = key(LISTED, certs.get(LISTED), vendorRoot);
    await (
      await enrol(d, other)
    ).promise;
    assert.equal((await signIn(d, other)).credential.counter, 1);
  });
});
