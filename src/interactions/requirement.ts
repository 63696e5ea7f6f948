/**
 * What this authorization request needs (assurance/requirement.ts) and which ways of
 * signing in can reach it for this clinician: the sign-in page offers exactly those
 * (step-up), and says so when there are none. A key counts at what it is worth under its
 * binding (assurance/key-assurance.ts), not at what the authenticator alone could prove.
 */
import {
  acceptedForDelegation,
  assuranceOfMethod,
  keyAssurance,
  satisfies,
  secondFactorAssurance,
  type Assurance,
  type AssurancePolicy,
  type KeyFacts,
  type Requirement,
} from '../assurance/index.ts';
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
  /** An emergency access code would do (the application accepts the lowest level): the page links to it. */
  emergency: boolean;
}

function meets(policy: AssurancePolicy, method: string | undefined, requirement: Requirement): boolean {
  return method !== undefined && policy.methods[method] !== undefined && satisfies(assuranceOfMethod(policy, method), requirement);
}

export async function signInChoices(deps: InteractionDeps, details: InteractionDetails, requirement: Requirement): Promise<SignInChoices> {
  const { policy } = deps;
  const accountId = details.session?.accountId;
  const keys = accountId ? await deps.credentials.listUsable(accountId) : undefined;
  const client = gatewayProperties(await deps.provider.Client.find(String(details.params.client_id)));
  if (client.psc_delegation) return delegationChoices(policy, requirement);
  // Nobody known yet: a key is offered when some key could reach the level (once bound at least as high).
  const keyMethods = [
    policy.webauthn.deviceBound,
    policy.webauthn.synced,
    ...(policy.webauthn.attested.allowList.length ? [policy.webauthn.attested.method] : []),
  ];
  const key = keys ? keys.some((c) => satisfies(keyAssurance(policy, c), requirement)) : keyMethods.some((m) => meets(policy, m, requirement));
  const ecpsMethod = policy.psc.authModes.MOBILE;
  const pscCard = meets(policy, policy.psc.authModes.CARD, requirement);
  const combination =
    keys === undefined
      ? meets(policy, policy.webauthn.secondFactor.method, requirement)
      : ecpsMethod !== undefined && keyCompletes(policy, assuranceOfMethod(policy, ecpsMethod), keys, requirement);
  const pscEcps = meets(policy, ecpsMethod, requirement) || combination;
  return { key, pscCard, pscEcps, none: !key && !pscCard && !pscEcps, emergency: meets(policy, policy.emergency.method, requirement) };
}

/**
 * When Pro Santé Connect delegates the sign-in: keys only (PSC is never offered: it would send
 * the clinician back to itself). Whoever is at the workstation may use their own key, whatever
 * the session's account has; each key is then counted at what its binding lets it prove
 * (webauthn-signin.ts), and one without a key is told how to enrol one (delegation-pages.ts).
 */
function delegationChoices(policy: AssurancePolicy, requirement: Requirement): SignInChoices {
  const key = policy.delegation.methods.some(
    (m) =>
      policy.methods[m] !== undefined && satisfies(assuranceOfMethod(policy, m), requirement) && acceptedForDelegation(policy, assuranceOfMethod(policy, m)),
  );
  return { key, pscCard: false, pscEcps: false, none: !key, emergency: false };
}

/** Whether a PSC sign-in that fell short reaches the requirement with one of these keys as second factor. */
export function keyCompletes(policy: AssurancePolicy, psc: Assurance, keys: KeyFacts[], requirement: Requirement): boolean {
  return psc.method === policy.webauthn.secondFactor.after && keys.some((key) => satisfies(secondFactorAssurance(policy, psc, key), requirement));
}
