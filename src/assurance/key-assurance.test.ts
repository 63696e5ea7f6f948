import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import {
  assuranceOfMethod,
  inPersonBinding,
  keyAssurance,
  loadPolicy,
  mayBindKey,
  parsePolicy,
  pscAssurance,
  raisesBinding,
  secondFactorAssurance,
  signInBinding,
  type KeyFacts,
} from './index.ts';

const policy = loadPolicy('config/assurance.json');
const card = pscAssurance(policy, { authMode: 'CARD', acr: null });
const ecps = pscAssurance(policy, { authMode: 'MOBILE', acr: null });
const unknown = pscAssurance(policy, { authMode: 'OTHER', acr: null });
const device: KeyFacts = { deviceType: 'singleDevice', backedUp: false };
const synced: KeyFacts = { deviceType: 'multiDevice', backedUp: true };
const aaguid = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const attested: KeyFacts = { deviceType: 'singleDevice', backedUp: false, aaguid, attestation: { verified: true, anchor: 'mds' } };
const listed = { ...policy, webauthn: { ...policy.webauthn, attested: { ...policy.webauthn.attested, allowList: [aaguid] } } };
const bound = (key: KeyFacts, signIn = card) => ({ ...key, binding: signInBinding(signIn, 1) });

describe('a key is worth at most the sign-in that bound it', () => {
  const rows: Array<[string, typeof policy, KeyFacts, string, boolean, boolean]> = [
    ['device key bound by the card keeps its own worth (phrh)', policy, bound(device), 'eidas2', true, true],
    ['device key bound by e-CPS: not phishing-resistant', policy, bound(device, ecps), 'eidas2', false, false],
    ['synced passkey bound by the card: phr, not phrh (its own worth)', policy, bound(synced), 'eidas2', true, false],
    ['attested key bound by the card: eidas3', listed, bound(attested), 'eidas3', true, true],
    ['attested key bound by e-CPS: eidas2, not phishing-resistant', listed, bound(attested, ecps), 'eidas2', false, false],
    [
      'key bound by a synced passkey sign-in: phr, not hardware-protected',
      policy,
      bound(device, assuranceOfMethod(policy, 'webauthn-synced')),
      'eidas2',
      true,
      false,
    ],
    ['key without a recorded binding: the unrecorded ceiling', listed, attested, 'eidas2', false, false],
    ['key confirmed in person: its own worth', listed, { ...attested, binding: inPersonBinding(listed, 'iam', 1) }, 'eidas3', true, true],
  ];
  for (const [name, p, key, acr, phr, hw] of rows) {
    it(name, () => {
      const result = keyAssurance(p, key);
      assert.deepEqual([result.acr, result.phishingResistant, result.hardwareProtected], [acr, phr, hw]);
    });
  }

  it("the method and amr stay the key's own (the factor really used)", () => {
    const result = keyAssurance(policy, bound(synced, ecps));
    assert.equal(result.method, 'webauthn-synced');
    assert.deepEqual(result.amr, ['swk', 'mfa']);
  });
});

describe('e-CPS then a key (second factor)', () => {
  it('names the key used in amr: hwk for a device-bound key, swk for a synced passkey', () => {
    assert.deepEqual(secondFactorAssurance(policy, ecps, bound(device)).amr, ['swk', 'pin', 'hwk', 'mfa']);
    assert.deepEqual(secondFactorAssurance(policy, ecps, bound(synced)).amr, ['swk', 'pin', 'mfa']);
  });
  it("resists phishing only when the key's binding does", () => {
    assert.equal(secondFactorAssurance(policy, ecps, bound(device)).phishingResistant, true);
    assert.equal(secondFactorAssurance(policy, ecps, bound(device, ecps)).phishingResistant, false);
    assert.equal(secondFactorAssurance(policy, ecps, device).phishingResistant, false, 'unrecorded binding');
  });
  it("takes its level from the policy's combination", () => {
    assert.equal(secondFactorAssurance(policy, ecps, bound(device)).acr, 'eidas2');
    assert.equal(secondFactorAssurance(policy, ecps, bound(device)).method, 'psc-ecps+webauthn');
  });
});

describe('binding rules', () => {
  it('refuses to bind below the minimum level', () => {
    assert.equal(mayBindKey(policy, unknown), false);
    assert.equal(mayBindKey(policy, ecps), true);
    assert.equal(mayBindKey(parsePolicy({ ...policy, binding: { ...policy.binding, minimumLevel: 'eidas3' } }), ecps), false);
  });
  it('raises only to something nowhere lower and somewhere higher', () => {
    assert.equal(raisesBinding(ecps, card), true);
    assert.equal(raisesBinding(card, ecps), false);
    assert.equal(raisesBinding(card, card), false, 'the same is no raise');
    assert.equal(
      raisesBinding({ acr: 'eidas3', phishingResistant: false, hardwareProtected: false }, { acr: 'eidas2', phishingResistant: true, hardwareProtected: true }),
      false,
      'a lower level is no raise',
    );
    assert.equal(raisesBinding(policy.binding.unrecorded, inPersonBinding(policy, 'iam', 1).assurance), true);
  });
  it('a policy file without binding gets the safe defaults', () => {
    const { binding: _omitted, ...older } = JSON.parse(JSON.stringify(policy)) as Record<string, unknown>;
    const parsed = parsePolicy(older);
    assert.deepEqual(parsed.binding.unrecorded, { acr: 'eidas2', phishingResistant: false, hardwareProtected: false });
    assert.equal(parsed.binding.minimumLevel, 'eidas2');
  });
});
