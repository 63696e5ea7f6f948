/**
 * What this authorization request needs (assurance/requirement.ts) and which ways of
 * signing in can reach it for this clinician: the sign-in page offers exactly those
 * (step-up), and says so when there are none.
 */
import { levelForWebAuthn, resultForMethod, satisfies, type AssurancePolicy, type Requirement } from '../assurance/index.ts';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { requestRequirement } from '../oidc/request-requirement.ts';
import type { InteractionDeps, InteractionDetails } from './context.ts';

export async function requirementOf(deps: InteractionDeps, details: InteractionDetails): Promise<Requirement> {
  const client = await deps.provider.Client.find(String(details.params.client_id));
  return requestRequirement(details.params, gatewayProperties(client));
}

export interface SignInChoices {
  /** A security key or passkey can reach the requirement. */
  key: boolean;
  /** PSC can: with the CPS card, with e-CPS, or with e-CPS followed by one of the clinician's keys. */
  pscCard: boolean;
  pscEcps: boolean;
  /** Nothing this clinician has can reach it. */
  none: boolean;
}

function meets(policy: AssurancePolicy, method: string, requirement: Requirement): boolean {
  return policy.methods[method] !== undefined && satisfies(resultForMethod(policy, method), requirement);
}

export async function signInChoices(deps: InteractionDeps, details: InteractionDetails, requirement: Requirement): Promise<SignInChoices> {
  const { policy } = deps;
  const accountId = details.session?.accountId;
  const keys = accountId ? (await deps.credentials.listByAccount(accountId)).filter((c) => !c.blocked) : undefined;
  const keyMethods = [policy.webauthn.deviceBound, policy.webauthn.synced, ...(policy.webauthn.attested.allowList.length ? [policy.webauthn.attested.method] : [])];
  const key = keys
    ? keys.some((c) => satisfies(levelForWebAuthn(policy, c), requirement))
    : keyMethods.some((m) => meets(policy, m, requirement));
  const cardMethod = policy.psc.authModes.CARD;
  const ecpsMethod = policy.psc.authModes.MOBILE;
  const pscCard = cardMethod !== undefined && meets(policy, cardMethod, requirement);
  const combination = meets(policy, policy.webauthn.secondFactor.method, requirement) && (keys === undefined || keys.length > 0);
  const pscEcps = ecpsMethod !== undefined && (meets(policy, ecpsMethod, requirement) || combination);
  return { key, pscCard, pscEcps, none: !key && !pscCard && !pscEcps };
}

/** Whether a PSC sign-in that fell short can still reach the requirement with one of the clinician's keys. */
export function keyCompletes(policy: AssurancePolicy, method: string, requirement: Requirement): boolean {
  return method === policy.webauthn.secondFactor.after && meets(policy, policy.webauthn.secondFactor.method, requirement);
}
