/**
 * What a security key or passkey is worth. Its own worth comes from the authenticator: a
 * synced passkey, a device-bound key, or a device-bound key whose verified attestation names a
 * model on the establishment's allow-list. A key is never worth more than the sign-in that
 * bound it (NIST SP 800-63B §6.1.2.1): used alone or as a second factor, its level is the
 * lower of its own and its binding's, and it resists phishing (or is hardware-protected) only
 * when its binding did too. Keys stored without a binding get the policy's `unrecorded` ceiling.
 */
import { assuranceOf, type Assurance, type Strength } from './assurance.ts';
import { assuranceOfMethod } from './method-assurance.ts';
import { compareLevels, lowerLevel } from './levels.ts';
import type { AssurancePolicy } from './policy.ts';

/** How a key came to be trusted: the assurance of the sign-in that enrolled or raised it, or an administrator's in-person check. */
export interface KeyBinding {
  /** What that sign-in proved (method `in-person` for an administrator's check). */
  assurance: Assurance;
  /** Epoch ms the key was bound or raised. */
  at: number;
  by: 'sign-in' | 'in-person';
  /** In person: the administrator who checked the clinician's identity. */
  confirmedBy?: string;
}

/** What the assurance functions read of a stored credential. */
export interface KeyFacts {
  deviceType: string;
  backedUp: boolean;
  aaguid?: string;
  attestationFormat?: string;
  /** Whether the attestation chain verified at registration (to the FIDO MDS roots of its AAGUID or an establishment root). */
  attestation?: { verified: boolean; anchor?: string } | undefined;
  binding?: KeyBinding | undefined;
}

/**
 * The method a credential's use proves by itself, before its binding caps it: a synced
 * passkey; a device-bound key whose attestation chain was verified at registration and names
 * a model on the establishment's allow-list (attested); any other device-bound key — a self
 * attestation or a key enrolled before chains were verified included.
 */
export function keyOwnAssurance(policy: AssurancePolicy, credential: KeyFacts): Assurance {
  const synced = credential.deviceType === 'multiDevice' || credential.backedUp;
  if (synced) return assuranceOfMethod(policy, policy.webauthn.synced);
  const attested =
    credential.attestation?.verified === true &&
    credential.aaguid !== undefined &&
    policy.webauthn.attested.allowList.includes(credential.aaguid.toLowerCase());
  return assuranceOfMethod(policy, attested ? policy.webauthn.attested.method : policy.webauthn.deviceBound);
}

/** The most a key can prove: what bound it, or the policy's ceiling for keys bound before bindings were recorded. */
export function bindingCeiling(policy: AssurancePolicy, credential: Pick<KeyFacts, 'binding'>): Strength {
  return credential.binding?.assurance ?? policy.binding.unrecorded;
}

/** `assurance` lowered to `ceiling` (level, phishing resistance and hardware protection each). */
export function cappedBy(assurance: Assurance, ceiling: Strength): Assurance {
  return {
    ...assurance,
    acr: lowerLevel(assurance.acr, ceiling.acr),
    phishingResistant: assurance.phishingResistant && ceiling.phishingResistant,
    hardwareProtected: assurance.hardwareProtected && ceiling.hardwareProtected,
  };
}

/** What a sign-in with this key alone proves. */
export function keyAssurance(policy: AssurancePolicy, credential: KeyFacts): Assurance {
  return cappedBy(keyOwnAssurance(policy, credential), bindingCeiling(policy, credential));
}

/**
 * A PSC sign-in (e.g. e-CPS) confirmed by one of the clinician's keys: the policy's
 * combination method gives the level; `amr` lists what was really used (PSC's factors and the
 * key's own, e.g. `swk` for a synced passkey); phishing resistance and hardware protection
 * come from the key as far as its binding allows.
 */
export function secondFactorAssurance(policy: AssurancePolicy, psc: Assurance, credential: KeyFacts): Assurance {
  const combination = assuranceOfMethod(policy, policy.webauthn.secondFactor.method);
  const key = keyAssurance(policy, credential);
  const factors = new Set([...psc.amr, ...key.amr, ...combination.amr]);
  const amr = [...factors].filter((value) => value !== 'mfa').concat(factors.has('mfa') ? ['mfa'] : []);
  return {
    method: combination.method,
    acr: combination.acr,
    amr,
    phishingResistant: combination.phishingResistant && key.phishingResistant,
    hardwareProtected: combination.hardwareProtected && key.hardwareProtected,
  };
}

/** Whether a sign-in is strong enough to bind a new key (policy `binding.minimumLevel`). */
export function mayBindKey(policy: AssurancePolicy, signIn: Strength): boolean {
  return compareLevels(signIn.acr, policy.binding.minimumLevel) >= 0;
}

/** Whether binding a key again under `next` would raise it: nowhere lower than `current`, somewhere higher. */
export function raisesBinding(current: Strength, next: Strength): boolean {
  const notLower =
    compareLevels(next.acr, current.acr) >= 0 &&
    (next.phishingResistant || !current.phishingResistant) &&
    (next.hardwareProtected || !current.hardwareProtected);
  const higher =
    compareLevels(next.acr, current.acr) > 0 ||
    (next.phishingResistant && !current.phishingResistant) ||
    (next.hardwareProtected && !current.hardwareProtected);
  return notLower && higher;
}

/** The binding an administrator's in-person check gives (policy `binding.inPerson`). */
export function inPersonBinding(policy: AssurancePolicy, confirmedBy: string, at: number): KeyBinding {
  const { acr, phishingResistant, hardwareProtected } = policy.binding.inPerson;
  return { assurance: { method: 'in-person', acr, amr: [], phishingResistant, hardwareProtected }, at, by: 'in-person', confirmedBy };
}

/** The binding a sign-in gives to a key enrolled or raised under it. */
export function signInBinding(signIn: Assurance, at: number): KeyBinding {
  return { assurance: assuranceOf(signIn), at, by: 'sign-in' };
}
