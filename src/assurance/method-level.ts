/**
 * The level of a method by name, and the methods of WebAuthn sign-ins: a synced passkey
 * (multi-device or backed up) and a device-bound key are told apart by the flags the
 * authenticator reported; a key confirming a PSC e-CPS sign-in is a combination of its own.
 */
import type { AssurancePolicy } from './policy.ts';
import type { AssuranceResult } from './psc-level.ts';

export function resultForMethod(policy: AssurancePolicy, method: string): AssuranceResult {
  const rule = policy.methods[method];
  if (!rule) throw new Error(`assurance policy has no method "${method}"`);
  return { method, acr: rule.level, amr: [...rule.amr], phishingResistant: rule.phishingResistant, hardwareProtected: rule.hardwareProtected };
}

/**
 * A synced passkey (multi-device or backed up); a device-bound key whose attestation chain was
 * verified at registration (to the FIDO MDS roots of its AAGUID or to an establishment root) and
 * names a model on the establishment's allow-list (attested); any other device-bound key — a
 * self attestation or a key enrolled before chains were verified included.
 */
export function levelForWebAuthn(policy: AssurancePolicy, credential: { deviceType: string; backedUp: boolean; aaguid?: string; attestationFormat?: string; attestation?: { verified: boolean; anchor?: string } }): AssuranceResult {
  const synced = credential.deviceType === 'multiDevice' || credential.backedUp;
  if (synced) return resultForMethod(policy, policy.webauthn.synced);
  const attested = credential.attestation?.verified === true
    && credential.aaguid !== undefined && policy.webauthn.attested.allowList.includes(credential.aaguid.toLowerCase());
  return resultForMethod(policy, attested ? policy.webauthn.attested.method : policy.webauthn.deviceBound);
}

/** The method of a sign-in confirmed by a key as second factor (e.g. PSC e-CPS + key). */
export function levelForSecondFactor(policy: AssurancePolicy): AssuranceResult {
  return resultForMethod(policy, policy.webauthn.secondFactor.method);
}

/** Whether a sign-in by this method is the one after which applications may ask for a key. */
export function asksSecondFactorAfter(policy: AssurancePolicy, method: string): boolean {
  return policy.webauthn.secondFactor.after === method;
}
