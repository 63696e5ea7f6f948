/**
 * What a PSC login is worth: the method is chosen by PSC's `authMode` (unknown or missing
 * values fall to the policy's `unknownAuthMode`, never to a guess); PSC's own `acr` is kept
 * for the audit and, when the policy says so, caps the level.
 */
import { isLevel, lowerLevel, type Level } from './levels.ts';
import type { AssurancePolicy } from './policy.ts';
import { resultForMethod } from './method-level.ts';

export interface AssuranceResult {
  method: string;
  acr: Level;
  amr: string[];
  phishingResistant: boolean;
  /** Phishing-resistant and hardware-protected (OpenID EAP `phrh`). */
  hardwareProtected: boolean;
}

export function levelForPsc(policy: AssurancePolicy, upstream: { authMode: string | null; acr: string | null }): AssuranceResult {
  const method = (upstream.authMode && Object.hasOwn(policy.psc.authModes, upstream.authMode)
    ? policy.psc.authModes[upstream.authMode]
    : undefined) ?? policy.psc.unknownAuthMode;
  const result = resultForMethod(policy, method);
  if (policy.psc.capByUpstreamAcr) result.acr = isLevel(upstream.acr) ? lowerLevel(result.acr, upstream.acr) : 'eidas1';
  return result;
}
