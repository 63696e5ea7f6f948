/**
 * What a relying party needs for this authorization request: the highest of the levels it
 * asked for (`acr_values`, an essential `acr` in the `claims` parameter, the client's minimum
 * in clients.json) and whether the authentication must resist phishing (`phr`) or also be
 * hardware-protected (`phrh`, the OpenID EAP ACR values). Unknown acr values are ignored.
 */
import { compareLevels, isLevel, LEVELS, LOW, SUBSTANTIAL, type Level } from './levels.ts';
import type { Strength } from './assurance.ts';

export const PHR = 'phr';
export const PHRH = 'phrh';
export const ACR_VALUES_SUPPORTED = [...LEVELS, PHR, PHRH] as const;

export interface Requirement {
  level: Level;
  phishingResistant: boolean;
  hardwareProtected: boolean;
  /** The acr values the request named (to issue phr/phrh when asked for and met). */
  requested: string[];
  /** The values of an essential `acr` claim (`value` or `values`): the issued acr must be one of them. */
  essentialValues: string[];
  /** The requirement came (also) from an essential acr claim or the client's minimum: unmet = error, not a best effort. */
  mandatory: boolean;
}

export interface RequirementInput {
  /** `acr_values` parameter (space-separated). */
  acrValues?: string | undefined;
  /** The `claims` parameter's `id_token.acr` member, when any. */
  essentialAcr?: { essential?: boolean; value?: unknown; values?: unknown } | undefined;
  /** The client's minimums from clients.json. */
  clientMinimum?: { level?: Level | undefined; phishingResistant?: boolean | undefined } | undefined;
}

type Option = Pick<Requirement, 'level' | 'phishingResistant' | 'hardwareProtected'>;

/** The weakest of the values asked for: any one of them is acceptable to the relying party. */
function fromValues(values: string[]): Option | undefined {
  const known = values.filter((v) => isLevel(v) || v === PHR || v === PHRH);
  if (known.length === 0) return undefined;
  const options = known.map((v) =>
    isLevel(v)
      ? { level: v, phishingResistant: false, hardwareProtected: false }
      : { level: SUBSTANTIAL as Level, phishingResistant: true, hardwareProtected: v === PHRH },
  );
  return options.reduce((a, b) => (weight(b) < weight(a) ? b : a));
}

function weight(r: Option): number {
  return compareLevels(r.level, LOW) * 4 + (r.phishingResistant ? 1 : 0) + (r.hardwareProtected ? 2 : 0);
}

export function requirementFor(input: RequirementInput): Requirement {
  const requested = (input.acrValues ?? '').split(' ').filter(Boolean);
  const essential = input.essentialAcr?.essential === true;
  const essentialValues = essential
    ? (Array.isArray(input.essentialAcr?.values) ? input.essentialAcr.values : [input.essentialAcr?.value]).filter((v): v is string => typeof v === 'string')
    : [];
  let requirement: Requirement = {
    level: LOW,
    phishingResistant: false,
    hardwareProtected: false,
    requested: [...requested, ...essentialValues],
    essentialValues,
    mandatory: false,
  };
  const raise = (r: Option | undefined, mandatory: boolean) => {
    if (!r) return;
    requirement = {
      ...requirement,
      level: compareLevels(r.level, requirement.level) > 0 ? r.level : requirement.level,
      phishingResistant: requirement.phishingResistant || r.phishingResistant,
      hardwareProtected: requirement.hardwareProtected || r.hardwareProtected,
      mandatory: requirement.mandatory || mandatory,
    };
  };
  raise(fromValues(requested), false);
  raise(fromValues(essentialValues), true);
  const minimum = input.clientMinimum;
  if (minimum?.level || minimum?.phishingResistant) {
    raise({ level: minimum.level ?? LOW, phishingResistant: minimum.phishingResistant === true, hardwareProtected: false }, true);
  }
  return requirement;
}

/** Whether an authentication meets the requirement. */
export function satisfies(assurance: Strength, requirement: Option): boolean {
  return (
    compareLevels(assurance.acr, requirement.level) >= 0 &&
    (!requirement.phishingResistant || assurance.phishingResistant) &&
    (!requirement.hardwareProtected || (assurance.phishingResistant && assurance.hardwareProtected))
  );
}

/**
 * The `acr` to issue. An essential `acr` claim with values: the highest of those values the
 * authentication meets (OIDC Core §5.5.1.1: the value returned MUST be one of those requested).
 * Otherwise `phrh` or `phr` when the request named it and the authentication meets it, else the
 * eidas level actually reached — never a level asked for and not met.
 */
export function issuedAcr(assurance: Strength, requirement: Requirement): string {
  const met = requirement.essentialValues
    .map((value) => ({ value, option: fromValues([value]) }))
    .filter((v): v is { value: string; option: Option } => v.option !== undefined && satisfies(assurance, v.option));
  if (met.length > 0) return met.reduce((a, b) => (weight(b.option) > weight(a.option) ? b : a)).value;
  if (requirement.requested.includes(PHRH) && assurance.phishingResistant && assurance.hardwareProtected) return PHRH;
  if (requirement.requested.includes(PHR) && assurance.phishingResistant) return PHR;
  return assurance.acr;
}
