/**
 * A demo hospital application (relying party) built the way an integrator would build
 * one with openid-client: discovery, authorization code + PKCE + state + nonce, userinfo,
 * RP-initiated logout and back-channel logout; with `fapi2`, as a FAPI 2.0 client: pushed
 * authorization requests (RFC 9126) and DPoP-bound access tokens (RFC 9449). Its pages are
 * French: an error sent back by the gateway is explained in French (its English description
 * kept as a technical detail), and signing out ends on « vous êtes déconnecté(e) ». It doubles
 * as the integration example of docs/integration.md. Sessions are in memory: it is a sandbox peer.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import express from 'express';
import helmet from 'helmet';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Eta } from 'eta';
import { parseCookie } from 'cookie';
import type { Logger } from 'pino';
import { RpSessions } from './sessions.ts';
import { displayIdentity } from './identity.ts';
import { callbackErrorMessage } from './error-messages.ts';
import type { ClientKey } from './client-key.ts';
import { defaultUrl } from '../../config/public-urls.ts';

const VIEWS = fileURLToPath(new URL('../../../views/sandbox/rp/', import.meta.url));

export interface DemoRpOptions {
  /** Port to listen on (0 = any free port). */
  port: number;
  /** Address to listen on (default 'localhost'; 0.0.0.0: every interface). */
  host?: string;
  /**
   * The URL people and the gateway reach it at (an origin): its redirect URI, post-logout URI
   * and keys are registered under it. Default http://<host>:<port>, localhost for 0.0.0.0.
   */
  url?: string;
  /** Application title shown on its pages, e.g. "DPI de démonstration". */
  title: string;
  /** Short description under the title. */
  subtitle: string;
  /** The gateway's issuer URL. */
  issuer: string;
  clientId: string;
  /** client_secret_basic secret, or a private key for private_key_jwt. */
  auth: { method: 'client_secret_basic'; secret: string } | { method: 'private_key_jwt'; key: ClientKey };
  scope?: string;
  /** `acr_values` sent with the authorization request, when the app needs a level. */
  acrValues?: string;
  /** More authorization parameters, e.g. PSC's `kc_idp_hint` (the national service's delegation mode). */
  authParams?: Record<string, string>;
  /** Who signs the clinician in, on the error page (default « La passerelle HospiConnect »). */
  providerName?: string;
  /** The sign-in button's « Se connecter avec … » (default HospiConnect). */
  signInWith?: string;
  /** The client expects userinfo as a signed JWT (userinfo_signed_response_alg). */
  signedUserinfo?: boolean;
  /**
   * FAPI 2.0 (with private_key_jwt): authorization requests pushed to the gateway, access tokens
   * bound to a DPoP key of this process — what its registration requires with
   * `require_pushed_authorization_requests` and `dpop_bound_access_tokens`.
   */
  fapi2?: boolean;
  logger: Logger;
}

export interface DemoRp {
  url: string;
  close(): Promise<void>;
}

export async function startDemoRp(options: DemoRpOptions): Promise<DemoRp> {
  const server: Server = createServer();
  server.listen(options.port, options.host ?? 'localhost');
  await once(server, 'listening');
  const address = server.address();
  const url = options.url?.replace(/\/$/, '') ?? defaultUrl(options.host ?? 'localhost', typeof address === 'object' && address ? address.port : options.port);
  const redirectUri = `${url}/callback`;
  const sessions = new RpSessions();
  // Cookies are not isolated by port: each demo application needs its own cookie name on localhost.
  const COOKIE = `demo_rp_sid_${options.clientId}`;
  /** Set on signing out: the next home page says « vous êtes déconnecté(e) », once. */
  const BYE_COOKIE = `demo_rp_bye_${options.clientId}`;
  const eta = new Eta({ views: VIEWS, cache: true, autoEscape: true });
  const log = options.logger.child({ rp: options.clientId });

  let oidc: Promise<Oidc> | undefined;
  const configuration = () => {
    oidc ??= discover(options).catch((err: unknown) => {
      oidc = undefined;
      throw err;
    });
    return oidc;
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(helmet({ contentSecurityPolicy: { directives: { 'form-action': ["'self'", new URL(options.issuer).origin] } }, strictTransportSecurity: false }));
  app.use('/static', express.static(`${VIEWS}static`, { fallthrough: false }));
  const render = (res: express.Response, view: string, data: Record<string, unknown>, status = 200) =>
    res
      .status(status)
      .type('html')
      .set('cache-control', 'no-store')
      .send(eta.render(view, { ...data, title: options.title, subtitle: options.subtitle, provider: options.signInWith ?? 'HospiConnect' }));
  const sessionOf = (req: express.Request) => {
    const id = parseCookie(req.headers.cookie ?? '')[COOKIE];
    return { id, session: sessions.get(id) };
  };

  app.get('/', (req, res) => {
    const { session } = sessionOf(req);
    const user = session?.user;
    // Signed out here a moment ago (this browser's session is gone, whatever the gateway was
    // told): said once.
    const justSignedOut = parseCookie(req.headers.cookie ?? '')[BYE_COOKIE] !== undefined;
    if (justSignedOut) res.clearCookie(BYE_COOKIE, { path: '/' });
    const loggedOut = !user && justSignedOut;
    render(
      res,
      'home',
      user
        ? { user: displayIdentity(user.claims), idToken: user.idTokenClaims, claims: user.claims, tokenType: user.tokenType }
        : { user: undefined, loggedOut },
    );
  });

  app.get('/jwks.json', (_req, res) => {
    if (options.auth.method !== 'private_key_jwt') return res.status(404).json({ error: 'not_found' });
    res.json({ keys: [{ ...options.auth.key.publicJwk, use: 'sig' }] });
  });

  app.get('/login', async (req, res, next) => {
    try {
      const { config, dpop } = await configuration();
      const current = sessionOf(req);
      const { id, session } = current.id && current.session ? { id: current.id, session: current.session } : sessions.create();
      const pending = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() };
      session.pending = pending;
      const params: Record<string, string> = {
        redirect_uri: redirectUri,
        scope: options.scope ?? 'openid profile scope_all',
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
      };
      if (options.acrValues) params.acr_values = options.acrValues;
      Object.assign(params, options.authParams);
      // FAPI 2.0: the parameters go to the gateway in a POST of their own (with a DPoP proof, which
      // binds the code to this key); the browser carries only client_id and request_uri.
      const target = dpop ? await client.buildAuthorizationUrlWithPAR(config, params, { DPoP: dpop }) : client.buildAuthorizationUrl(config, params);
      res.cookie(COOKIE, id, { httpOnly: true, sameSite: 'lax', path: '/' });
      res.redirect(303, target.href);
    } catch (err) {
      next(err);
    }
  });

  app.get('/callback', async (req, res, next) => {
    const { session } = sessionOf(req);
    const pending = session?.pending;
    if (!session || !pending) return render(res, 'error', { message: 'Aucune connexion en cours : recommencez depuis la page d’accueil.' }, 400);
    delete session.pending;
    try {
      const { config, dpop } = await configuration();
      const withKey = dpop ? { DPoP: dpop } : undefined;
      const tokens = await client.authorizationCodeGrant(
        config,
        new URL(req.originalUrl, url),
        {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        },
        undefined,
        withKey,
      );
      const idTokenClaims = tokens.claims()!;
      const claims = await client.fetchUserInfo(config, tokens.access_token, idTokenClaims.sub, withKey);
      session.user = {
        claims,
        idTokenClaims,
        idToken: tokens.id_token!,
        sid: typeof idTokenClaims.sid === 'string' ? idTokenClaims.sid : undefined,
        tokenType: tokens.token_type,
      };
      log.info({ sub: idTokenClaims.sub, acr: idTokenClaims.acr }, 'signed in');
      res.redirect(303, '/');
    } catch (err) {
      if (err instanceof client.AuthorizationResponseError) {
        return render(res, 'error', { message: callbackErrorMessage(err.error), code: err.error, detail: err.error_description, retry: true }, 400);
      }
      next(err);
    }
  });

  app.post('/logout', async (req, res, next) => {
    const { id, session } = sessionOf(req);
    const idToken = session?.user?.idToken;
    if (id) sessions.delete(id);
    res.clearCookie(COOKIE, { path: '/' });
    res.cookie(BYE_COOKIE, '1', { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 10 * 60 * 1000 });
    if (!idToken) return res.redirect(303, '/');
    try {
      const { config } = await configuration();
      res.redirect(303, client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: `${url}/` }).href);
    } catch (err) {
      next(err);
    }
  });

  app.post('/backchannel-logout', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    try {
      const { config } = await configuration();
      const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
      const { payload } = await jwtVerify(String(req.body?.logout_token ?? ''), jwks, {
        issuer: options.issuer,
        audience: options.clientId,
        maxTokenAge: '2 min',
      });
      const events = payload.events as Record<string, unknown> | undefined;
      if (!events || !('http://schemas.openid.net/event/backchannel-logout' in events) || 'nonce' in payload || typeof payload.sid !== 'string') {
        throw new Error('not a back-channel logout token with a sid');
      }
      const ended = sessions.endBySid(payload.sid);
      log.info({ sid: payload.sid, ended }, 'back-channel logout');
      res.set('cache-control', 'no-store').status(200).end();
    } catch (err) {
      log.warn({ detail: (err as Error).message }, 'back-channel logout refused');
      res.status(400).json({ error: 'invalid_request' });
    }
  });

  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    log.error({ detail: (err as Error).message }, 'demo application error');
    render(res, 'error', { message: `${options.providerName ?? 'La passerelle HospiConnect'} n’a pas pu être jointe ou a refusé la demande. Réessayez.` }, 502);
  });
  server.on('request', app);
  log.info({ url }, 'demo relying party listening');

  return {
    url,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The gateway's configuration for this client, and its DPoP handle when it is a FAPI 2.0 client. */
interface Oidc {
  config: client.Configuration;
  dpop?: client.DPoPHandle | undefined;
}

async function discover(options: DemoRpOptions): Promise<Oidc> {
  const metadata: Partial<client.ClientMetadata> = options.signedUserinfo ? { userinfo_signed_response_alg: 'ES256' } : {};
  const auth =
    options.auth.method === 'client_secret_basic'
      ? client.ClientSecretBasic(options.auth.secret)
      : client.PrivateKeyJwt({ key: options.auth.key.privateKey, kid: options.auth.key.kid });
  const execute = options.issuer.startsWith('http://') ? [client.allowInsecureRequests] : [];
  const config = await client.discovery(new URL(options.issuer), options.clientId, metadata, auth, { execute });
  // One DPoP key per process, never written anywhere: the tokens bound to it live in this
  // process's sessions and die with them.
  return { config, dpop: options.fapi2 ? client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256')) : undefined };
}
