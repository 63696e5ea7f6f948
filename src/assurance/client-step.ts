/**
 * The step an application's own rules (clients.json) still ask of an authentication: a key as
 * second factor after the method the policy names (`key_after_ecps`), or a key enrolment
 * (`webauthn_enrolment: "required"`). Asked right after a PSC sign-in and at every later
 * authorization of the session (single sign-on), so that no application is reached without it.
 */
import type { Assurance } from './assurance.ts';
import { asksSecondFactorAfter } from './method-assurance.ts';
import type { AssurancePolicy } from './policy.ts';

export type ClientStep = 'second-factor' | 'enrol';

export interface ClientRules {
  key_after_ecps: boolean;
  webauthn_enrolment: 'offered' | 'required' | 'never';
}

/** Whether the rules can ask anything at all (no key lookup needed otherwise). */
export function rulesAskSteps(rules: ClientRules): boolean {
  return rules.key_after_ecps || rules.webauthn_enrolment === 'required';
}

export function stepRulesAsk(policy: AssurancePolicy, rules: ClientRules, assurance: Pick<Assurance, 'method'>, usableKeys: number): ClientStep | undefined {
  if (rules.key_after_ecps && usableKeys > 0 && asksSecondFactorAfter(policy, assurance.method)) return 'second-factor';
  if (rules.webauthn_enrolment === 'required' && usableKeys === 0) return 'enrol';
  return undefined;
}
