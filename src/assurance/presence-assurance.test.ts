import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { loadPolicy, parsePolicy, presenceAssurance, pscAssurance, signInBinding } from './index.ts';

const policy = loadPolicy('config/assurance.json');
const card = pscAssurance(policy, { authMode: 'CARD', acr: null });

describe('a touch of a key without user verification', () => {
  it("is one factor at the policy's level: the key's own factor and user presence, never mfa", () => {
    const device = presenceAssurance(policy, { deviceType: 'singleDevice', backedUp: false, binding: signInBinding(card, 1) });
    assert.deepEqual(device, { method: 'webauthn-presence', acr: 'eidas1', amr: ['hwk', 'user'], phishingResistant: true, hardwareProtected: false });
    const synced = presenceAssurance(policy, { deviceType: 'multiDevice', backedUp: true, binding: signInBinding(card, 1) });
    assert.deepEqual(synced.amr, ['swk', 'user']);
  });
  it("resists phishing only as far as the key's binding does", () => {
    const ecps = pscAssurance(policy, { authMode: 'MOBILE', acr: null });
    assert.equal(presenceAssurance(policy, { deviceType: 'singleDevice', backedUp: false, binding: signInBinding(ecps, 1) }).phishingResistant, false);
  });
  it('a policy whose presence method claims mfa is refused at start-up', () => {
    const raw = JSON.parse(JSON.stringify(policy)) as { methods: Record<string, { amr: string[] }> };
    raw.methods['webauthn-presence']!.amr = ['user', 'mfa'];
    assert.throws(() => parsePolicy(raw), /sharedWorkstation\.method.*mfa/s);
  });
});
