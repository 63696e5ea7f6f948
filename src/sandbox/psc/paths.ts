/**
 * PSC's URL layout (a Keycloak realm), shared by the provider configuration, the fault
 * middleware and the express app. Endpoint paths are relative to the issuer.
 */

/** Path of the issuer under the simulator's base URL, as on the real PSC. */
export const ISSUER_PATH = '/auth/realms/esante-wallet';

/** Keycloak endpoint paths, relative to the issuer (oidc-provider `routes`). */
export const ENDPOINTS = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  userinfo: '/protocol/openid-connect/userinfo',
  jwks: '/protocol/openid-connect/certs',
  end_session: '/protocol/openid-connect/logout',
  introspection: '/protocol/openid-connect/token/introspect',
  revocation: '/protocol/openid-connect/revoke',
} as const;

/** The standard discovery document path and PSC's non-standard one, relative to the issuer. */
export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const WALLET_DISCOVERY_PATH = '/.well-known/wallet-openid-configuration';

/** PSC's authorization endpoint lives on another host (`wallet…/auth`): the simulator's alias. */
export const AUTH_ALIAS_PATH = '/auth';

/** Login pages of the simulator (oidc-provider `interactions.url`). */
export const INTERACTION_PATH = '/interaction';

/** Local stylesheet and other assets of the login pages. */
export const STATIC_PATH = '/static/psc';
