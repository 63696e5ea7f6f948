import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { acceptedForDelegation, assuranceOfMethod, keyAssurance, loadPolicy, parsePolicy, signInBinding } from './index.ts';

const policy = loadPolicy('config/assurance.json');

describe('acceptedForDelegation with the default policy', () => {
  const expected: Record<string, boolean> = {
    'psc-card': false,
    'psc-ecps': false,
    'psc-unknown': false,
    'psc-ecps+webauthn': false,
    'webauthn-device': true,
    'webauthn-synced': true,
    'webauthn-attested': true,
    'emergency-code': false,
    'webauthn-presence': false,
  };
  it('names every method of config/assurance.json (the table of docs/assurance.md)', () => {
    assert.deepEqual(Object.keys(policy.methods).sort(), Object.keys(expected).sort());
  });
  for (const [method, accepted] of Object.entries(expected)) {
    it(`${method}: ${accepted ? 'answers PSC' : "refused (PSC's own means, or not phishing-resistant 2FA)"}`, () => {
      assert.equal(acceptedForDelegation(policy, assuranceOfMethod(policy, method)), accepted);
    });
  }

  it('refuses a key bound by an e-CPS sign-in (worth no more than e-CPS: not phishing-resistant)', () => {
    const ecps = assuranceOfMethod(policy, 'psc-ecps');
    const key = { deviceType: 'singleDevice', backedUp: false, binding: signInBinding(ecps, 0) };
    assert.equal(keyAssurance(policy, key).method, 'webauthn-device');
    assert.equal(acceptedForDelegation(policy, keyAssurance(policy, key)), false);
  });

  it('accepts the same key bound by a CPS card sign-in', () => {
    const card = assuranceOfMethod(policy, 'psc-card');
    const key = { deviceType: 'singleDevice', backedUp: false, binding: signInBinding(card, 0) };
    assert.equal(acceptedForDelegation(policy, keyAssurance(policy, key)), true);
  });
});

describe('delegation section of the policy file', () => {
  const copy = () => JSON.parse(JSON.stringify(policy)) as Record<string, unknown> & { delegation?: { methods: string[] } };

  it('defaults, when absent, to the phishing-resistant multi-factor methods not coming from PSC', () => {
    const without = copy();
    delete without.delegation;
    assert.deepEqual([...parsePolicy(without).delegation.methods].sort(), ['webauthn-attested', 'webauthn-device', 'webauthn-synced']);
  });

  it('refuses a method that is not defined, naming the path', () => {
    const bad = copy();
    bad.delegation!.methods = ['webauthn-device', 'fido-magic'];
    assert.throws(
      () => parsePolicy(bad, 'assurance.json'),
      (err: Error) => /delegation\.methods\.1/.test(err.message) && /fido-magic/.test(err.message),
    );
  });
});
