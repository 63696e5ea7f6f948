export { LEVELS, LOW, SUBSTANTIAL, HIGH, isLevel, compareLevels, levelsFrom, lowerLevel, type Level } from './levels.ts';
export { assuranceOf, type Assurance, type Strength } from './assurance.ts';
export { loadPolicy, parsePolicy, type AssurancePolicy, type MethodPolicy } from './policy.ts';
export { pscAssurance } from './psc-assurance.ts';
export { assuranceOfMethod, asksSecondFactorAfter } from './method-assurance.ts';
export {
  keyOwnAssurance,
  keyAssurance,
  bindingCeiling,
  cappedBy,
  secondFactorAssurance,
  mayBindKey,
  raisesBinding,
  inPersonBinding,
  signInBinding,
  type KeyBinding,
  type KeyFacts,
} from './key-assurance.ts';
export { presenceAssurance } from './presence-assurance.ts';
export { requirementFor, satisfies, issuedAcr, PHR, PHRH, ACR_VALUES_SUPPORTED, type Requirement, type RequirementInput } from './requirement.ts';
export { createSessionAssuranceStore, type SessionAssurance, type SessionAssuranceStore } from './session-assurance.ts';
export { stepRulesAsk, rulesAskSteps, type ClientStep, type ClientRules } from './client-step.ts';
export { acceptedForDelegation, delegationMethods } from './delegation.ts';
