/**
 * Express routes of the login journey, `/interaction/:uid`: GET shows the login page (or
 * grants consent silently: PSC has no consent screen), POST signs in or refuses. A missing
 * or expired interaction and a bad form answer 400 with a French page, never 500.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { errors, type Interaction, type Provider } from 'oidc-provider';
import { loginResult } from './accounts.ts';
import { parseLoginForm } from './login-form.ts';
import { renderLoginPage, type LoginFormValues } from './login-view.ts';
import type { SimulatorLogger } from './logger.ts';
import { authenticationOutcome } from './means.ts';
import { INTERACTION_PATH } from './paths.ts';
import type { Practitioner } from './practitioners.ts';
import { sendInteractionLost, sendPage } from './views.ts';

export interface LoginRoutesOptions {
  provider: Provider;
  issuer: string;
  practitioners: readonly Practitioner[];
  logger: SimulatorLogger;
  /** Delegation to an establishment's IdP: its "Délégation" choice and its kc_idp_hint alias. */
  delegation?: { alias: string; label: string; startUrl: (uid: string) => string };
}

/** Scopes the simulator grants (whatever else was asked is not granted). */
const GRANTABLE_SCOPES = new Set(['openid', 'scope_all']);

/**
 * Creates (or extends) the grant of everything requested that PSC offers. The session's grant
 * is extended only for its own practitioner: another one signing in gets a grant of their own.
 */
export async function grantRequested(provider: Provider, details: Interaction, accountId: string): Promise<string> {
  const clientId = String(details.params.client_id);
  const found = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const existing = found?.accountId === accountId ? found : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const requested = String(details.params.scope ?? '')
    .split(' ')
    .filter((s) => GRANTABLE_SCOPES.has(s));
  grant.addOIDCScope(requested.join(' '));
  const missingClaims = details.prompt.details.missingOIDCClaims;
  if (Array.isArray(missingClaims) && missingClaims.length) grant.addOIDCClaims(missingClaims.map(String));
  return grant.save();
}

export function loginRoutes(options: LoginRoutesOptions): Router & { loginPage: (details: Interaction, notice?: string) => string } {
  const { provider, issuer, practitioners, logger } = options;
  const router = express.Router();
  const path = `${INTERACTION_PATH}/:uid`;

  /** Loads the interaction bound to this browser and checks it is the one in the URL. */
  async function currentInteraction(req: Request, res: Response): Promise<Interaction | undefined> {
    try {
      const details = await provider.interactionDetails(req, res);
      return details.uid === req.params.uid ? details : undefined;
    } catch (err) {
      if (err instanceof errors.SessionNotFound) return undefined;
      throw err;
    }
  }

  function loginPage(details: Interaction, values?: LoginFormValues, error?: string, notice?: string): string {
    const acr = details.params.acr_values;
    return renderLoginPage({
      uid: details.uid,
      issuer,
      clientId: String(details.params.client_id),
      requestedAcr: typeof acr === 'string' ? acr : undefined,
      practitioners,
      values,
      error,
      notice,
      delegation: options.delegation && { label: options.delegation.label, href: options.delegation.startUrl(details.uid) },
    });
  }

  router.get(path, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const details = await currentInteraction(req, res);
      if (!details) return sendInteractionLost(res);
      if (details.prompt.name === 'consent' && details.session) {
        const grantId = await grantRequested(provider, details, details.session.accountId);
        return await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      }
      // kc_idp_hint naming the establishment's IdP: straight there, no login page (Keycloak).
      const hint = details.params.kc_idp_hint;
      if (options.delegation && hint === options.delegation.alias && details.prompt.name === 'login') {
        return res.redirect(303, options.delegation.startUrl(details.uid));
      }
      sendPage(res, 200, loginPage(details));
    } catch (err) {
      next(err);
    }
  });

  router.post(path, express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }), async (req: Request, res: Response, next: NextFunction) => {
    try {
      const details = await currentInteraction(req, res);
      if (!details) return sendInteractionLost(res);
      const parsed = parseLoginForm(req.body, practitioners);
      if (!parsed.ok) {
        logger.warn({ interaction: details.uid, problem: parsed.error }, 'PSC simulator: login form rejected');
        return sendPage(res, 400, loginPage(details, parsed.values, parsed.error));
      }
      const { submission } = parsed;
      if (submission.action === 'refuse') {
        logger.info({ interaction: details.uid, client_id: details.params.client_id }, 'PSC simulator: login refused');
        return await provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'Le professionnel de santé a refusé la connexion.' },
          { mergeWithLastSubmission: false },
        );
      }
      const outcome = authenticationOutcome(submission.means, submission.forceAcr, submission.forceAuthMode);
      const login = loginResult(submission.practitioner, outcome);
      const grantId = await grantRequested(provider, details, login.accountId);
      logger.info(
        {
          interaction: details.uid,
          client_id: details.params.client_id,
          idNat: submission.practitioner.idNat,
          acr: outcome.acr,
          authMode: outcome.authMode ?? '(absent)',
        },
        'PSC simulator: practitioner signed in',
      );
      await provider.interactionFinished(req, res, { login, consent: { grantId } }, { mergeWithLastSubmission: false });
    } catch (err) {
      next(err);
    }
  });

  return Object.assign(router, { loginPage: (details: Interaction, notice?: string) => loginPage(details, undefined, undefined, notice) });
}
