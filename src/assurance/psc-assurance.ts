/**
 * What a PSC login is worth: the method is chosen by PSC's `authMode` (unknown or missing
 * values fall to the policy's `unknownAuthMode`, never to a guess); PSC's own `acr` is kept
 * for the audit and, when the policy says so, caps the level.
 */
import { isLevel, LOW, lowerLevel } from './levels.ts';
import type { Assurance } from './assurance.ts';
import type { AssurancePolicy } from './policy.ts';
import { assuranceOfMethod } from './method-assurance.ts';

export function pscAssurance(policy: AssurancePolicy, upstream: { authMode: string | null; acr: string | null }): Assurance {
  const method =
    (upstream.authMode && Object.hasOwn(policy.psc.authModes, upstream.authMode) ? policy.psc.authModes[upstream.authMode] : undefined) ??
    policy.psc.unknownAuthMode;
  const result = assuranceOfMethod(policy, method);
  if (policy.psc.capByUpstreamAcr) result.acr = isLevel(upstream.acr) ? lowerLevel(result.acr, upstream.acr) : LOW;
  return result;
}
