/**
 * claimsAllowed: the claims a client may receive — those of the scopes registered for it
 * (clients.json `scope`, mapped by CLAIMS) and the protocol claims every ID token may carry.
 */
import { CLAIMS } from './claims-config.ts';

/**
 * oidc-provider's NON_REJECTABLE_CLAIMS (lib/consts/non_rejectable_claims.js): about the
 * sign-in itself, released whatever the grant says; `acr` stays requestable for step-up.
 */
export const PROTOCOL_CLAIMS: readonly string[] = ['sub', 'sid', 'auth_time', 'acr', 'amr', 'iss'];

const SCOPE_CLAIMS: Record<string, readonly string[] | null> = CLAIMS;

/**
 * @param registeredScope the client's registered `scope` (oidc-provider's `client.scope`);
 *   missing, only the protocol claims (the schema in clients.ts always sets one).
 */
export function claimsAllowed(registeredScope: string | undefined): ReadonlySet<string> {
  const allowed = new Set(PROTOCOL_CLAIMS);
  for (const scope of (registeredScope ?? '').split(' ')) {
    const claims = Object.hasOwn(SCOPE_CLAIMS, scope) ? SCOPE_CLAIMS[scope] : null;
    for (const claim of claims ?? []) allowed.add(claim);
  }
  return allowed;
}
