/**
 * loadExistingGrant: a first-party hospital application (clients.json `first_party: true`)
 * gets what it asks for within its registered scopes, without a consent screen. Other
 * clients keep the grant the clinician gave on the consent page. Either way, claims asked
 * through `claims` that the client's registered scopes do not cover are withheld.
 */
import type { KoaContextWithOIDC, Grant } from 'oidc-provider';
import { gatewayProperties } from './client-properties.ts';
import { claimsAllowed } from './claims-allowed.ts';
import { grantClaims } from './grant-claims.ts';

export async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { client, session, provider } = ctx.oidc;
  if (!client || !session?.accountId) return undefined;
  const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
  let grant = grantId ? await provider.Grant.find(grantId) : undefined;
  if (grant && grant.accountId !== session.accountId) grant = undefined;
  const allowed = claimsAllowed(client.scope);
  const claims = [...ctx.oidc.requestParamClaims];
  if (!gatewayProperties(client).first_party) {
    // The consent page grants what the clinician allows; what the client may not receive is
    // withheld here, so that it is neither released nor the reason for a consent page (and a
    // claim a widened registration now allows is asked for there again).
    if (grant && grantClaims(grant, claims, { allowed, grant: false })) await grant.save();
    return grant;
  }

  grant ??= new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  const registered = new Set((client.scope ?? '').split(' '));
  const scopes = [...ctx.oidc.requestParamScopes].filter((s) => registered.has(s));
  const granted = new Set((grant.getOIDCScope() ?? '').split(' '));
  const newScopes = scopes.some((s) => !granted.has(s));
  if (newScopes) grant.addOIDCScope(scopes.join(' '));
  const newClaims = grantClaims(grant, claims, { allowed, grant: true });
  if (!grantId || newScopes || newClaims) await grant.save();
  return grant;
}
