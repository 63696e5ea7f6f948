/**
 * unauthorizedClient: the token endpoint's answer when an authenticated client asks for a grant
 * type the gateway offers but its registration does not list (e.g. client_credentials from a
 * sign-in client). RFC 6749 §5.2 names it `unauthorized_client`; oidc-provider 9 throws
 * InvalidRequest ("requested grant type is not allowed for this client"), so the error code is
 * changed after the fact, description kept. Nothing was issued: the check runs before any grant.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';

/** oidc-provider's description for this refusal (lib/actions/token.js, allowedGrantTypeCheck). */
const NOT_ALLOWED = 'requested grant type is not allowed for this client';

export function unauthorizedClient() {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    const { oidc } = ctx;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    if (oidc?.route !== 'token' || ctx.status !== 400 || body?.error !== 'invalid_request' || body.error_description !== NOT_ALLOWED) return;
    const grantType = oidc.params?.grant_type;
    if (typeof grantType !== 'string' || !oidc.client || oidc.client.grantTypeAllowed(grantType)) return;
    ctx.body = { ...body, error: 'unauthorized_client' };
  };
}
