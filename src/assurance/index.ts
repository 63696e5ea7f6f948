export { LEVELS, isLevel, compareLevels, lowerLevel, type Level } from './levels.ts';
export { loadPolicy, parsePolicy, type AssurancePolicy, type MethodPolicy } from './policy.ts';
export { levelForPsc, type AssuranceResult } from './psc-level.ts';
export { resultForMethod, levelForWebAuthn, levelForSecondFactor, asksSecondFactorAfter } from './method-level.ts';
export { requirementFor, satisfies, issuedAcr, PHR, PHRH, ACR_VALUES_SUPPORTED, type Requirement, type RequirementInput } from './requirement.ts';
export { createSessionAssuranceStore, type SessionAssurance, type SessionAssuranceStore } from './session-assurance.ts';
