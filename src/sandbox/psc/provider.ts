/**
 * The simulator's oidc-provider instance, configured like PSC's Keycloak realm: endpoint
 * paths, scopes `openid` + `scope_all`, acr eidas1..3, code flow with optional PKCE,
 * client_secret_basic/post, and tls_client_auth when served over HTTPS (mtls.ts), lifetimes
 * 120 s / 1800 s, an SSO session of 4 h at most and 30 min idle, RS256 ID tokens.
 */
import { randomBytes } from 'node:crypto';
import { Provider, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { createFindAccount, extraTokenClaims } from './accounts.ts';
import { SCOPE_ALL_CLAIMS } from './claims.ts';
import { faultsMiddleware, type PscFaults } from './faults.ts';
import type { SimulatorLogger } from './logger.ts';
import { ACR_VALUES } from './means.ts';
import { memoryAdapterFactory, MemoryStore } from './memory-adapter.ts';
import { MTLS_FEATURE, mtlsEndpointAliases } from './mtls.ts';
import { ENDPOINTS, INTERACTION_PATH } from './paths.ts';
import type { Practitioner } from './practitioners.ts';
import type { SigningKey } from './signing-key.ts';
import { PAGE_CSP, renderMessagePage } from './views.ts';

/** A relying party allowed to use the simulator (the gateway), authenticated by a secret or by its certificate. */
export type PscClient = {
  client_id: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
} & (
  | {
      client_secret: string;
      /** Default `client_secret_basic`. */
      token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
    }
  | {
      /** Mutual TLS (RFC 8705): needs the simulator's `tls` option. */
      token_endpoint_auth_method: 'tls_client_auth';
      /** Subject DN the client certificate must have, RFC 4514 (e.g. `CN=hospiconnect,O=CH Exemple,C=FR`). */
      tls_client_auth_subject_dn: string;
    }
);

/** Lifetimes in seconds, as on PSC (access 2 min, refresh 30 min; the session: PSC_SESSION). */
export const PSC_TTL = {
  AccessToken: 120,
  AuthorizationCode: 60,
  IdToken: 120,
  RefreshToken: 1800,
  Grant: 4 * 3600,
  Interaction: 15 * 60,
} as const;

/**
 * PSC's SSO session (Keycloak "SSO Session Max" / "SSO Session Idle"): reused without any page
 * for every authorization request of this browser (unless prompt=login or an elapsed max_age)
 * until it has been idle this long, and never beyond its maximum age.
 */
export interface PscSessionLifetimes {
  idleSeconds: number;
  maxSeconds: number;
}
export const PSC_SESSION: PscSessionLifetimes = { idleSeconds: 30 * 60, maxSeconds: 4 * 3600 };

/** oidc-provider's ttl.Session, asked on every save (each request that uses the session). */
function sessionTtl(lifetimes: PscSessionLifetimes) {
  return (_ctx: unknown, session: { iat?: number }): number => {
    const now = Math.floor(Date.now() / 1000);
    const left = (session.iat ?? now) + lifetimes.maxSeconds - now;
    return Math.max(1, Math.min(lifetimes.idleSeconds, left));
  };
}

export interface CreatePscProviderOptions {
  issuer: string;
  clients: readonly PscClient[];
  practitioners: readonly Practitioner[];
  signingKey: SigningKey;
  /** Returns the faults in force (the simulator's `faults` may be replaced by a test). */
  faults: () => PscFaults;
  logger: SimulatorLogger;
  /** Served over HTTPS with client certificates: tls_client_auth and mtls_endpoint_aliases. */
  mtls?: boolean;
  /** SSO session lifetimes (default PSC_SESSION; tests shorten them). */
  session?: PscSessionLifetimes;
  /** Delegates to an establishment's IdP: `amr` is then released after a delegated sign-in. */
  delegation?: boolean;
}

function page(ctx: KoaContextWithOIDC, status: number, html: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', PAGE_CSP);
  ctx.body = html;
}

/**
 * The ID token's `amr`: the login's amr carries `authMode:<mode>` (accounts.ts), which is never
 * released; what remains — the delegated means' values after a delegated sign-in — is. A
 * card or e-CPS sign-in leaves nothing, and its ID token has no amr, like the real PSC's.
 */
function releasedAmr(provider: Provider): void {
  const prototype = provider.IdToken.prototype as { payload(): Promise<Record<string, unknown>> };
  const payload = prototype.payload;
  prototype.payload = async function released(this: unknown) {
    const claims = await payload.call(this);
    const amr = Array.isArray(claims.amr) ? claims.amr.filter((v) => typeof v === 'string' && !v.startsWith('authMode:')) : [];
    if (amr.length) claims.amr = amr;
    else delete claims.amr;
    return claims;
  };
}

export function createPscProvider(options: CreatePscProviderOptions): Provider {
  const { issuer, clients, practitioners, signingKey, faults, logger, mtls = false, session = PSC_SESSION, delegation = false } = options;

  const configuration: Configuration = {
    adapter: memoryAdapterFactory(new MemoryStore()),
    clients: clients.map((c) => ({
      client_id: c.client_id,
      ...(c.token_endpoint_auth_method === 'tls_client_auth'
        ? { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: c.tls_client_auth_subject_dn }
        : { token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic', client_secret: c.client_secret }),
      redirect_uris: c.redirect_uris,
      post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      // Keycloak always puts auth_time in the ID token.
      require_auth_time: true,
    })),
    jwks: { keys: [signingKey.privateJwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    routes: ENDPOINTS,
    scopes: ['openid', 'scope_all'],
    // amr: released only after a delegated sign-in (releasedAmr below strips the authMode carrier),
    // and only listed when the simulator delegates.
    claims: { acr: null, auth_time: null, sid: null, iss: null, openid: delegation ? ['sub', 'amr'] : ['sub'], scope_all: [...SCOPE_ALL_CLAIMS] },
    // Keycloak's identity provider hint (delegation to an establishment's IdP).
    extraParams: ['kc_idp_hint'],
    acrValues: [...ACR_VALUES],
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', ...(mtls ? ['tls_client_auth' as const] : [])],
    pkce: { required: () => false },
    // PSC puts the professional claims in the ID token too, not only in userinfo.
    conformIdTokenClaims: false,
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: { ...PSC_TTL, Session: sessionTtl(session) },
    findAccount: createFindAccount(practitioners),
    extraTokenClaims,
    clientBasedCORS: () => false,
    ...(mtls ? { discovery: { mtls_endpoint_aliases: mtlsEndpointAliases(issuer) } } : {}),
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      // Not part of PSC's documented contract (reference/psc.md): keep them off.
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      ...(mtls ? { mTLS: MTLS_FEATURE } : {}),
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          page(
            ctx,
            200,
            renderMessagePage({
              title: 'Déconnexion',
              heading: 'Se déconnecter de Pro Santé Connect ?',
              message: 'Vous allez fermer votre session Pro Santé Connect (simulée) sur ce navigateur.',
              kind: 'info',
              trustedFormHtml: form,
              formId: 'op.logoutForm',
            }),
          );
        },
        postLogoutSuccessSource: (ctx) => {
          page(
            ctx,
            200,
            renderMessagePage({
              title: 'Déconnecté',
              heading: 'Vous êtes déconnecté',
              message: 'Votre session Pro Santé Connect (simulée) est fermée.',
              kind: 'info',
            }),
          );
        },
      },
    },
    renderError: (ctx, out) => {
      page(
        ctx,
        ctx.status >= 400 ? ctx.status : 400,
        renderMessagePage({
          title: 'Erreur',
          heading: 'La demande de connexion est invalide',
          message: 'Pro Santé Connect (simulé) ne peut pas traiter cette demande. Relancez la connexion depuis l’application.',
          kind: 'error',
          detail: [out.error, out.error_description].filter(Boolean).join(' — '),
        }),
      );
    },
  };

  const provider = new Provider(issuer, configuration);
  releasedAmr(provider);
  provider.use(faultsMiddleware({ faults, tokenPath: ENDPOINTS.token, userinfoPath: ENDPOINTS.userinfo, signingKey, logger }));

  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'PSC simulator: oidc-provider server error'));
  // error_detail says what the answer does not (e.g. why client authentication failed).
  const rejected = (event: string) => (_ctx: unknown, err: { error?: string; error_description?: string; error_detail?: string }) =>
    logger.warn({ event, error: err.error, error_description: err.error_description, error_detail: err.error_detail }, 'PSC simulator: request rejected');
  provider.on('authorization.error', rejected('authorization.error'));
  provider.on('grant.error', rejected('grant.error'));
  provider.on('userinfo.error', rejected('userinfo.error'));
  provider.on('introspection.error', rejected('introspection.error'));
  provider.on('revocation.error', rejected('revocation.error'));
  provider.on('end_session.error', rejected('end_session.error'));
  return provider;
}
