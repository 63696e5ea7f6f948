/**
 * The account portal signs clinicians in through the gateway itself, as a first-party public
 * client with PKCE. Its code is redeemed in-process (no HTTP call to our own issuer): the
 * code must be this client's, unconsumed, for this redirect_uri and PKCE verifier.
 */
import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { ClientMetadata } from '../oidc/clients.ts';

export const PORTAL_CLIENT_ID = 'hc-account';
export const PORTAL_CALLBACK_PATH = '/account/callback';

export function portalClient(issuer: string): ClientMetadata {
  return {
    client_id: PORTAL_CLIENT_ID,
    client_name: 'Mon espace HospiConnect',
    first_party: true,
    webauthn_enrolment: 'never',
    key_after_ecps: false,
    redirect_uris: [`${issuer}${PORTAL_CALLBACK_PATH}`],
    post_logout_redirect_uris: [`${issuer}/account`],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    scope: 'openid',
  };
}

export async function redeemPortalCode(provider: Provider, issuer: string, code: string, verifier: string): Promise<string | undefined> {
  if (!/^[A-Za-z0-9_-]{20,200}$/.test(code)) return undefined;
  const found = await provider.AuthorizationCode.find(code);
  if (!found || (found as unknown as { consumed?: number }).consumed || found.clientId !== PORTAL_CLIENT_ID) return undefined;
  if (found.redirectUri !== `${issuer}${PORTAL_CALLBACK_PATH}`) return undefined;
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  if (found.codeChallengeMethod !== 'S256' || found.codeChallenge !== challenge) return undefined;
  await found.consume();
  return found.accountId;
}
