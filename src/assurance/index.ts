export { LEVELS, isLevel, compareLevels, lowerLevel, type Level } from './levels.ts';
export { loadPolicy, parsePolicy, type AssurancePolicy, type MethodPolicy } from './policy.ts';
export { levelForPsc, type AssuranceResult } from './psc-level.ts';
export { resultForMethod, levelForWebAuthn, levelForSecondFactor, asksSecondFactorAfter } from './method-level.ts';
