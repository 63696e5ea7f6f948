/**
 * What a touch of a key proves when only user presence was asked (quick re-authentication at
 * a shared workstation, within the window after a full two-factor sign-in there): one factor,
 * the key itself. The policy's `sharedWorkstation.method` gives the level (default eidas1) and
 * its amr (`user`, RFC 8176: a user presence test); the key's own possession factor (`hwk` or
 * `swk`) is named beside it and `mfa` never is. Phishing resistance and hardware protection
 * come from the key as far as its binding allows, like any key.
 */
import type { Assurance } from './assurance.ts';
import { bindingCeiling, cappedBy, keyOwnAssurance, type KeyFacts } from './key-assurance.ts';
import { assuranceOfMethod } from './method-assurance.ts';
import type { AssurancePolicy } from './policy.ts';

export function presenceAssurance(policy: AssurancePolicy, credential: KeyFacts): Assurance {
  const presence = assuranceOfMethod(policy, policy.sharedWorkstation.method);
  const own = keyOwnAssurance(policy, credential);
  const amr = [...new Set([...own.amr, ...presence.amr])].filter((value) => value !== 'mfa');
  return cappedBy(
    {
      method: presence.method,
      acr: presence.acr,
      amr,
      phishingResistant: presence.phishingResistant && own.phishingResistant,
      hardwareProtected: presence.hardwareProtected && own.hardwareProtected,
    },
    bindingCeiling(policy, credential),
  );
}
