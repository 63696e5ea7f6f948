/**
 * What a method of the policy is worth, by name (config/assurance.json: amr, level,
 * phishing resistance, hardware protection).
 */
import type { Assurance } from './assurance.ts';
import type { AssurancePolicy } from './policy.ts';

export function assuranceOfMethod(policy: AssurancePolicy, method: string): Assurance {
  const rule = policy.methods[method];
  if (!rule) throw new Error(`assurance policy has no method "${method}"`);
  return { method, acr: rule.level, amr: [...rule.amr], phishingResistant: rule.phishingResistant, hardwareProtected: rule.hardwareProtected };
}

/** Whether a sign-in by this method is the one after which applications may ask for a key. */
export function asksSecondFactorAfter(policy: AssurancePolicy, method: string): boolean {
  return policy.webauthn.secondFactor.after === method;
}
