/**
 * What a PSC login is worth: the method is chosen by PSC's `authMode` (unknown or missing
 * values fall to the policy's `unknownAuthMode`, never to a guess); PSC's own `acr` is kept
 * for the audit and, when the policy says so, caps the level.
 */
import { isLevel, lowerLevel, type Level } from './levels.ts';
import type { AssurancePolicy } from './policy.ts';

export interface AssuranceResult {
  method: string;
  acr: Level;
  amr: string[];
  phishingResistant: boolean;
}

export function levelForPsc(policy: AssurancePolicy, upstream: { authMode: string | null; acr: string | null }): AssuranceResult {
  const method = (upstream.authMode && Object.hasOwn(policy.psc.authModes, upstream.authMode)
    ? policy.psc.authModes[upstream.authMode]
    : undefined) ?? policy.psc.unknownAuthMode;
  const rule = policy.methods[method];
  if (!rule) throw new Error(`assurance policy has no method "${method}"`);
  let acr: Level = rule.level;
  if (policy.psc.capByUpstreamAcr) acr = isLevel(upstream.acr) ? lowerLevel(acr, upstream.acr) : 'eidas1';
  return { method, acr, amr: [...rule.amr], phishingResistant: rule.phishingResistant };
}
