/**
 * acceptedForDelegation: whether a sign-in may answer Pro Santé Connect when PSC delegates
 * the sign-in to the gateway (the gateway as the establishment's "FI tiers"). The method must
 * be one the policy's `delegation.methods` lists, and the sign-in — a key counted at what its
 * binding lets it prove — must reach `delegation.minimumLevel` and resist phishing when the
 * policy says so (the default: phishing-resistant two-factor, as the ANS expects).
 */
import type { Assurance } from './assurance.ts';
import type { AssurancePolicy } from './policy.ts';
import { satisfies } from './requirement.ts';

export function acceptedForDelegation(policy: AssurancePolicy, assurance: Assurance): boolean {
  const rule = policy.delegation;
  return (
    rule.methods.includes(assurance.method) &&
    satisfies(assurance, { level: rule.minimumLevel, phishingResistant: rule.phishingResistant, hardwareProtected: false })
  );
}

/** The methods PSC may be answered with, for the sign-in page (which offers only those). */
export function delegationMethods(policy: AssurancePolicy): readonly string[] {
  return policy.delegation.methods;
}
