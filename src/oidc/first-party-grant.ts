/**
 * loadExistingGrant: a first-party hospital application (clients.json `first_party: true`)
 * gets what it asks for within its registered scopes, without a consent screen. Other
 * clients keep the grant the clinician gave on the consent page.
 */
import type { KoaContextWithOIDC, Grant } from 'oidc-provider';
import { gatewayProperties } from './client-properties.ts';

export async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { client, session, provider } = ctx.oidc;
  if (!client || !session?.accountId) return undefined;
  const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
  let grant = grantId ? await provider.Grant.find(grantId) : undefined;
  if (grant && grant.accountId !== session.accountId) grant = undefined;
  if (!gatewayProperties(client).first_party) return grant;

  grant ??= new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  const allowed = new Set((client.scope ?? '').split(' '));
  const scopes = [...ctx.oidc.requestParamScopes].filter((s) => allowed.has(s));
  const claims = [...ctx.oidc.requestParamClaims];
  const granted = new Set((grant.getOIDCScope() ?? '').split(' '));
  const grantedClaims = new Set(grant.getOIDCClaims?.() ?? []);
  const changed = !grantId || scopes.some((s) => !granted.has(s)) || claims.some((c) => !grantedClaims.has(c));
  if (changed) {
    grant.addOIDCScope(scopes.join(' '));
    if (claims.length) grant.addOIDCClaims(claims);
    await grant.save();
  }
  return grant;
}
