/**
 * The gateway's OpenID Provider (oidc-provider): authorization code with PKCE S256 for every
 * client, refresh tokens with rotation, introspection, revocation, userinfo (JSON or signed
 * JWT per client), RP-initiated and back-channel logout, the claims parameter, levels
 * eidas1..3. Interactions are the gateway's own pages (/interaction/:uid). Machine clients
 * (clients.ts) get opaque client_credentials tokens for their service scopes.
 */
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import type { Config } from '../config/index.ts';
import type { AccountRepository } from '../accounts/index.ts';
import { accountClaims } from '../accounts/index.ts';
import { ACR_VALUES_SUPPORTED } from '../assurance/index.ts';
import { gatewayInteractionPolicy, rememberSessionAssurance, type AssuranceCheckDeps } from './assurance-check.ts';
import { refreshActivity } from './refresh-activity.ts';
import type { AdapterFactory } from '../store/index.ts';
import { sessionSeconds } from './token-lifetimes.ts';
import type { Views } from '../http/views.ts';
import { serviceScopes, type ClientMetadata } from './clients.ts';
import { cookieSigner } from './cookie-signer.ts';
import { CLAIMS, SCOPES } from './claims-config.ts';
import { oidcPages } from './pages.ts';
import { loadExistingGrant } from './first-party-grant.ts';
import { outboundFetch, registeredHosts } from './outbound-fetch.ts';
import { GATEWAY_CLIENT_PROPERTIES, validateGatewayClientProperty } from './client-properties.ts';
import { unauthorizedClient } from './unauthorized-client.ts';
import { refuseForeignRevocation } from './foreign-revocation.ts';
import { checkDelegationTenant, delegationClaims, pairwiseSubject } from './delegation-claims.ts';

/** The provider's endpoints; the express app hands only these paths to it (oidc/mount.ts). */
export const OIDC_ROUTES = {
  authorization: '/auth',
  token: '/token',
  userinfo: '/me',
  jwks: '/jwks',
  end_session: '/session/end',
  introspection: '/token/introspection',
  revocation: '/token/revocation',
  pushed_authorization_request: '/request',
} as const;

export interface ProviderDeps {
  /** The gateway's session checks (step-up, lifetimes); see assurance-check.ts. */
  sessionChecks: AssuranceCheckDeps;
  config: Config;
  adapter: AdapterFactory;
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  clients: ClientMetadata[];
  accounts: AccountRepository;
  views: Views;
}

export function createProvider(deps: ProviderDeps): Provider {
  const { config, accounts, views } = deps;
  const pages = oidcPages(views, OIDC_ROUTES.authorization);
  const signingAlg = (deps.jwks.keys[0]?.alg ?? 'ES256') as 'ES256' | 'RS256';
  const tenantId = config.delegation.tenantId;
  checkDelegationTenant(deps.clients, tenantId);

  // A refresh's session activity: read where the grant decides to rotate, written once it answered.
  const refreshes = refreshActivity(deps.sessionChecks);
  const configuration: Configuration = {
    adapter: deps.adapter,
    clients: deps.clients,
    jwks: deps.jwks as Configuration['jwks'],
    cookies: {
      keys: cookieSigner(deps.cookieKeys),
      names: { session: 'hc_session', interaction: 'hc_interaction', resume: 'hc_interaction_resume' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    acrValues: [...ACR_VALUES_SUPPORTED],
    claims: CLAIMS,
    // The OpenID scopes, and the service scopes that machine clients register (clients.ts keeps
    // these off sign-in clients, whose requests for them get invalid_scope).
    scopes: [...SCOPES, ...serviceScopes(deps.clients)],
    responseTypes: ['code'],
    // pairwise: the PSC delegation client only (clients.ts), so that PSC never learns the idNat.
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: pairwiseSubject(accounts),
    pkce: { required: () => true },
    conformIdTokenClaims: true,
    allowOmittingSingleRegisteredRedirectUri: false,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: signingAlg,
      require_auth_time: true,
    },
    extraClientMetadata: {
      properties: [...GATEWAY_CLIENT_PROPERTIES],
      validator: validateGatewayClientProperty,
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      clientAuthSigningAlgValues: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      // A client introspects and revokes only tokens issued to itself (RFC 7009 §2.1). Another
      // client's token: introspection says `active: false` (RFC 7662 §2.2), revocation refuses
      // and says so (refuseForeignRevocation) instead of oidc-provider's silent 200.
      introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      revocation: { enabled: true, allowedPolicy: refuseForeignRevocation },
      userinfo: { enabled: true },
      // Machine clients: `client_credentials` alone in grant_types (clients.ts); any other client
      // gets unauthorized_client. oidc-provider 9 (lib/actions/grants/client_credentials.js),
      // resource indicators off: the asked scope is cut down to `scopes` above (a name the
      // gateway does not know is dropped), then any of those not in the client's registered
      // `scope` is invalid_scope — so openid, profile, scope_all and offline_access, never
      // registered by a machine client, are refused. No scope asked: a token without scope.
      // With no resource server the token is a ClientCredentials model in opaque format (the
      // format comes only from a resource server's accessTokenFormat), stored by the adapter,
      // living ttl.ClientCredentials; introspection and revocation find it like AccessToken.
      clientCredentials: { enabled: true },
      // No resource servers: access tokens are for userinfo, client_credentials tokens for the
      // called service to introspect. (Left on, oidc-provider refused
      // any `resource` only after spending the code or refresh token — found by fuzzing.)
      resourceIndicators: { enabled: false },
      jwtUserinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: pages.logoutSource, postLogoutSuccessSource: pages.postLogoutSuccessSource },
      // RFC 9126, for every client; `require_pushed_authorization_requests` in clients.json makes
      // it the only way for one (clients.ts). The request_uri lives 60 s and is spent when its
      // code is issued. Guards in front: client-endpoint limits, pushed-request-limits.ts.
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      // RFC 9449: a client that sends a DPoP proof gets DPoP-bound access tokens (and codes bound
      // at PAR); `dpop_bound_access_tokens` in clients.json requires it. A proof's jti is spent
      // once across instances (replay-detection.ts); no server nonce (see docs/integration.md).
      dPoP: { enabled: true },
    },
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('openid'),
    rotateRefreshToken: refreshes.rotateRefreshToken,
    ttl: {
      AccessToken: config.ttl.accessToken,
      ClientCredentials: config.ttl.accessToken,
      AuthorizationCode: config.ttl.authorizationCode,
      IdToken: config.ttl.idToken,
      RefreshToken: config.ttl.refreshToken,
      Session: sessionSeconds(config.sessions),
      Interaction: config.ttl.interaction,
      Grant: config.ttl.grant,
    },
    routes: OIDC_ROUTES,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy: gatewayInteractionPolicy(deps.sessionChecks) },
    findAccount: async (ctx, id) => {
      const account = await accounts.find(id);
      if (!account) return undefined;
      return {
        accountId: account.idNat,
        claims: async () =>
          ({ ...accountClaims(account), ...(await delegationClaims(accounts, tenantId, ctx?.oidc?.client, account.idNat)) }) as { sub: string },
      };
    },
    loadExistingGrant,
    fetch: outboundFetch(registeredHosts(deps.clients)) as Configuration['fetch'],
    renderError: pages.renderError,
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.http.trustProxy !== false;
  provider.use(rememberSessionAssurance(deps.sessionChecks));
  provider.use(unauthorizedClient());
  provider.use(refreshes.middleware);
  return provider;
}

export type { Provider, KoaContextWithOIDC };
