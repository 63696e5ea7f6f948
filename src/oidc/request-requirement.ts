/**
 * The assurance requirement of an authorization request, from its parameters and the
 * client's settings — one function for the provider's check and for the login pages.
 */
import { requirementFor, type Requirement } from '../assurance/index.ts';
import type { GatewayClientProperties } from './client-properties.ts';

type AcrClaim = { essential?: boolean; value?: unknown; values?: unknown };

export function requestRequirement(params: { acr_values?: unknown; claims?: unknown }, client: GatewayClientProperties): Requirement {
  return requirementFor({
    acrValues: typeof params.acr_values === 'string' ? params.acr_values : undefined,
    essentialAcr: essentialAcrOf(params.claims),
    clientMinimum: { level: client.min_acr, phishingResistant: client.phishing_resistant },
  });
}

/** `claims.id_token.acr` from the claims parameter (an object in the provider, a JSON string in interaction params). */
function essentialAcrOf(claims: unknown): AcrClaim | undefined {
  let parsed = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      return undefined;
    }
  }
  const acr = (parsed as { id_token?: { acr?: unknown } } | undefined)?.id_token?.acr;
  return acr && typeof acr === 'object' ? (acr as AcrClaim) : undefined;
}
