/**
 * The broker side of the simulator, as PSC (Keycloak) does it:
 *   GET  /interaction/:uid/delegation/start    to the establishment's IdP (the login page's
 *                                              "Délégation" choice, or kc_idp_hint=<alias>)
 *   GET  <issuer>/broker/<alias>/endpoint      back from it (the redirect URI registered there):
 *                                              on to …/delegation/return under the interaction,
 *                                              whose cookie is scoped to /interaction/<uid>
 *   GET  /interaction/:uid/delegation/return   code exchanged, ID token checked (oid, tid, acr,
 *                                              amr), then pairing or confirmation; an error from
 *                                              the IdP: PSC's login page, with a notice
 *   GET  <issuer>/broker/<alias>/jwks          PSC's public key (private_key_jwt)
 *   GET  /interaction/:uid/delegation          the pairing screen (first use, or pairing expired)
 *                                              or the confirmation screen (paired)
 *   POST /interaction/:uid/delegation          pair with the CPS card or e-CPS / confirm / another account
 * Round-trip state is single-use and bound to the interaction of this browser.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import * as client from 'openid-client';
import { errors, type Interaction, type Provider } from 'oidc-provider';
import type { SimulatorLogger } from './logger.ts';
import { MEANS } from './means.ts';
import { INTERACTION_PATH } from './paths.ts';
import type { Practitioner } from './practitioners.ts';
import { pscSubject } from './claims.ts';
import { renderMessagePage, renderPage, sendInteractionLost, sendPage } from './views.ts';
import { AUTH_MODE_DELEGATION, brokerPaths, DEFAULT_PAIRING_LIFETIME_SECONDS, type PscDelegationOptions } from './delegation/options.ts';
import { Pairings } from './delegation/pairings.ts';
import { delegatedLogin, type DelegatedLogin } from './delegation/delegated-login.ts';
import { upstream } from './delegation/upstream.ts';

export interface DelegationRoutesOptions {
  provider: Provider;
  issuer: string;
  practitioners: readonly Practitioner[];
  logger: SimulatorLogger;
  delegation: PscDelegationOptions;
  /** Creates the grant of what was requested (login-routes.ts). */
  grantRequested: (details: Interaction, accountId: string) => Promise<string>;
  /** The login page with a notice (an error from the establishment, "another account"). */
  loginPage: (details: Interaction, notice?: string) => string;
}

const STATE_TTL_MS = 10 * 60_000;

/** The establishment's error, in French, for PSC's login page. */
function noticeFor(error: string): string {
  if (error === 'access_denied') return 'Vous n’avez pas été connecté par votre établissement. Identifiez-vous avec votre carte CPS ou l’application e-CPS.';
  if (error === 'unmet_authentication_requirements')
    return 'Le moyen utilisé dans votre établissement n’est pas accepté par Pro Santé Connect. Identifiez-vous avec votre carte CPS ou l’application e-CPS.';
  return 'Votre établissement n’a pas pu vous connecter. Identifiez-vous avec votre carte CPS ou l’application e-CPS.';
}

export function delegationRoutes(options: DelegationRoutesOptions): { router: Router; startUrl: (uid: string) => string; alias: string } {
  const { provider, issuer, practitioners, logger, delegation } = options;
  const paths = brokerPaths(delegation.alias);
  const issuerPath = new URL(issuer).pathname;
  const redirectUri = `${issuer}${paths.endpoint}`;
  const clock = delegation.clock ?? Date.now;
  const pairings = new Pairings(delegation.pairingLifetimeSeconds ?? DEFAULT_PAIRING_LIFETIME_SECONDS, clock);
  const idp = upstream(delegation);
  const states = new Map<string, { uid: string; nonce: string; verifier: string; expiresAt: number }>();
  const logins = new Map<string, DelegatedLogin & { expiresAt: number }>();
  const router = express.Router();
  const startUrl = (uid: string) => `${INTERACTION_PATH}/${encodeURIComponent(uid)}/delegation/start`;
  const pagePath = (uid: string) => `${INTERACTION_PATH}/${encodeURIComponent(uid)}/delegation`;

  async function interaction(req: Request, res: Response, uid: unknown): Promise<Interaction | undefined> {
    try {
      const details = await provider.interactionDetails(req, res);
      return details.uid === uid ? details : undefined;
    } catch (err) {
      if (err instanceof errors.SessionNotFound) return undefined;
      throw err;
    }
  }
  const purge = () => {
    const now = Date.now();
    for (const [k, v] of states) if (v.expiresAt < now) states.delete(k);
    for (const [k, v] of logins) if (v.expiresAt < now) logins.delete(k);
  };

  router.get(`${issuerPath}${paths.jwks}`, (_req, res) => {
    res.json({ keys: [{ ...delegation.key.publicJwk, use: 'sig' }] });
  });

  router.get(`${INTERACTION_PATH}/:uid/delegation/start`, async (req, res, next) => {
    try {
      const details = await interaction(req, res, req.params.uid);
      if (!details) return sendInteractionLost(res);
      purge();
      const config = await idp.config();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const verifier = client.randomPKCECodeVerifier();
      states.set(state, { uid: details.uid, nonce, verifier, expiresAt: Date.now() + STATE_TTL_MS });
      const target = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid',
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      logger.info({ interaction: details.uid, idp: delegation.alias }, 'PSC simulator: sign-in delegated to the establishment');
      res.redirect(303, target.href);
    } catch (err) {
      next(err);
    }
  });

  router.get(`${issuerPath}${paths.endpoint}`, (req, res) => {
    const saved = typeof req.query.state === 'string' ? states.get(req.query.state) : undefined;
    if (!saved) return sendInteractionLost(res);
    const query = req.originalUrl.slice(req.originalUrl.indexOf('?'));
    res.redirect(303, `${INTERACTION_PATH}/${encodeURIComponent(saved.uid)}/delegation/return${query}`);
  });

  router.get(`${INTERACTION_PATH}/:uid/delegation/return`, async (req, res, next) => {
    try {
      const saved = typeof req.query.state === 'string' ? states.get(req.query.state) : undefined;
      if (saved) states.delete(String(req.query.state));
      const details = saved && saved.expiresAt > Date.now() && saved.uid === req.params.uid ? await interaction(req, res, saved.uid) : undefined;
      if (!saved || !details) return sendInteractionLost(res);
      if (typeof req.query.error === 'string') {
        logger.info(
          { interaction: details.uid, error: req.query.error, error_description: req.query.error_description },
          'PSC simulator: the establishment answered with an error',
        );
        return sendPage(res, 200, options.loginPage(details, noticeFor(req.query.error)));
      }
      const config = await idp.config();
      let tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
      try {
        const query = req.originalUrl.slice(req.originalUrl.indexOf('?'));
        tokens = await client.authorizationCodeGrant(config, new URL(`${redirectUri}${query}`), {
          pkceCodeVerifier: saved.verifier,
          expectedState: String(req.query.state),
          expectedNonce: saved.nonce,
          idTokenExpected: true,
        });
      } catch (err) {
        logger.warn({ interaction: details.uid, detail: (err as Error).message }, "PSC simulator: the establishment's answer failed verification");
        return sendPage(res, 200, options.loginPage(details, noticeFor('invalid_response')));
      }
      const checked = delegatedLogin(tokens.claims() as Record<string, unknown>);
      if (!checked.ok) {
        logger.warn({ interaction: details.uid, reason: checked.reason }, 'PSC simulator: delegated sign-in refused');
        return sendPage(
          res,
          403,
          renderMessagePage({
            title: 'Authentification insuffisante',
            heading: 'Pro Santé Connect ne peut pas accepter cette connexion',
            message: checked.reason,
            kind: 'error',
          }),
        );
      }
      logins.set(details.uid, { ...checked.login, expiresAt: Date.now() + STATE_TTL_MS });
      res.redirect(303, pagePath(details.uid));
    } catch (err) {
      next(err);
    }
  });

  function pairingPage(details: Interaction, expired: boolean, error?: string) {
    return renderPage('delegation-pair', {
      title: 'Appairage du compte',
      issuer,
      action: pagePath(details.uid),
      label: delegation.label,
      expired,
      error,
      practitioners: practitioners.map((p, i) => ({ id: `praticien-${i}`, idNat: p.idNat, name: `${p.given_name} ${p.family_name}`.trim(), checked: i === 0 })),
      means: MEANS.map((m, i) => ({ id: m.id, label: m.label, checked: i === 0 })),
    });
  }

  router.get(`${INTERACTION_PATH}/:uid/delegation`, async (req, res, next) => {
    try {
      const details = await interaction(req, res, req.params.uid);
      const login = details && logins.get(details.uid);
      if (!details || !login) return sendInteractionLost(res);
      const pairing = pairings.find(login.tid, login.oid);
      if (!pairing || pairing.expired) return sendPage(res, 200, pairingPage(details, Boolean(pairing?.expired)));
      const practitioner = practitioners.find((p) => pscSubject(p) === pairing.pscSub);
      sendPage(
        res,
        200,
        renderPage('delegation-confirm', {
          title: 'Confirmer la connexion',
          issuer,
          action: pagePath(details.uid),
          label: delegation.label,
          name: practitioner ? `${practitioner.given_name} ${practitioner.family_name}`.trim() : pairing.pscSub,
          pairedOn: new Date(pairing.pairedAt).toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' }),
        }),
      );
    } catch (err) {
      next(err);
    }
  });

  router.post(
    `${INTERACTION_PATH}/:uid/delegation`,
    express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }),
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const details = await interaction(req, res, req.params.uid);
        const login = details && logins.get(details.uid);
        if (!details || !login) return sendInteractionLost(res);
        const body = req.body as Record<string, unknown>;
        const pairing = pairings.find(login.tid, login.oid);
        let pscSub: string;
        if (body.action === 'other') {
          logins.delete(details.uid);
          return sendPage(res, 200, options.loginPage(details, 'Identifiez-vous avec votre carte CPS ou l’application e-CPS.'));
        }
        if (body.action === 'pair') {
          const practitioner = practitioners.find((p) => p.idNat === body.practitioner);
          const means = MEANS.find((m) => m.id === body.means);
          if (!practitioner || !means)
            return sendPage(res, 400, pairingPage(details, Boolean(pairing?.expired), 'Choisissez le professionnel et le moyen (carte CPS ou e-CPS).'));
          pscSub = pscSubject(practitioner);
          pairings.pair(login.tid, login.oid, pscSub);
          logger.info({ interaction: details.uid, idNat: practitioner.idNat, means: means.id }, 'PSC simulator: account paired');
        } else if (body.action === 'confirm' && pairing && !pairing.expired) {
          pscSub = pairing.pscSub;
        } else {
          return res.redirect(303, pagePath(details.uid));
        }
        logins.delete(details.uid);
        const grantId = await options.grantRequested(details, pscSub);
        const result = { login: { accountId: pscSub, acr: login.acr, amr: [`authMode:${AUTH_MODE_DELEGATION}`, ...login.amr] }, consent: { grantId } };
        await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
      } catch (err) {
        next(err);
      }
    },
  );

  return { router, startUrl, alias: delegation.alias };
}
